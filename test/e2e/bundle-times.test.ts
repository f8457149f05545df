// A bundle keeps its source's file times (directories' too), so Python uses the bundled .pyc
// files instead of compiling every module at each start; with SOURCE_DATE_EPOCH, later times
// become it, as BuildKit's own rewrite does. Times are read in the images with the bundled Python.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { docker, dockerOk, requireFrontendImage } from "./docker.js";

const PYTHON = join(import.meta.dirname, "../../examples/python");

const FILES = [
  "/usr/local/bin/stats",
  "/usr/bin/python3",
  "/usr/bin/python3.11",
  "/usr/lib/python3.11/json/__init__.py",
  "/usr/lib/python3.11/json/__pycache__/__init__.cpython-311.pyc",
  "/usr/lib/python3.11/decimal.py",
  "/etc/ld.so.cache",
];
const DIRS = ["/usr/lib/python3.11", "/usr/lib/python3.11/json", "/usr/lib/python3.11/json/__pycache__", "/usr/local/bin", "/usr/lib/x86_64-linux-gnu"];
const MANIFEST = "/.sidebundle/manifest.lock";

async function build(args: string[]): Promise<string> {
  return (await dockerOk(["buildx", "build", "--quiet", ...args, PYTHON])).stdout.trim();
}

/** The bundle's steps run (its stage is unnamed): BuildKit's cache compares contents, not times. */
const BUNDLE_RUNS = "--no-cache-filter=stage-1";

async function python(image: string, args: string[], input = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  return docker(["run", "--rm", "-i", "--network", "none", "--entrypoint", "/usr/bin/python3", image, ...args], { input });
}

/** lstat times in nanoseconds, as the image has them. */
async function mtimes(image: string, paths: string[]): Promise<Record<string, bigint>> {
  const script = "import json, os, sys; print(json.dumps({p: str(os.lstat(p).st_mtime_ns) for p in sys.argv[1:]}))";
  const run = await python(image, ["-c", script, ...paths]);
  expect(run.stderr).toBe("");
  return Object.fromEntries(Object.entries(JSON.parse(run.stdout) as Record<string, string>).map(([p, t]) => [p, BigInt(t)]));
}

const S = 1_000_000_000n;
/** Directories' times are set through a double: compared to the second. */
const seconds = (times: Record<string, bigint>, paths: string[]) => paths.map((p) => times[p] / S);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

beforeAll(requireFrontendImage);

describe("BUNDLE times without SOURCE_DATE_EPOCH", () => {
  let bundle: string;
  let fat: string;
  beforeAll(async () => {
    bundle = await build([BUNDLE_RUNS]);
    fat = await build(["--target", "build"]);
  });

  it("keeps the source's times: files and symlinks exactly, directories to the second", async () => {
    const [mine, theirs] = await Promise.all([mtimes(bundle, [...FILES, ...DIRS, MANIFEST]), mtimes(fat, [...FILES, ...DIRS])]);
    expect(FILES.map((p) => mine[p])).toEqual(FILES.map((p) => theirs[p]));
    expect(seconds(mine, DIRS)).toEqual(seconds(theirs, DIRS));
    expect(mine[MANIFEST]).toBe(0n);
  });

  it("Python finds the bundled .pyc files valid", async () => {
    const imports = "import json, decimal, sqlite3";
    for (const image of [fat, bundle]) {
      const run = await python(image, ["-v", "-c", imports]);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/json\/__pycache__\/__init__\.cpython-311\.pyc matches .*json\/__init__\.py/);
      expect(run.stderr).not.toMatch(/bytecode is stale/);
    }
  });

  it("runs the traced input and another as the fat stage does", async () => {
    for (const input of ["1 2 3", "10 20 30 45"]) {
      const expected = await docker(["run", "--rm", "-i", "--network", "none", "--entrypoint", "stats", fat], { input });
      expect(expected.code).toBe(0);
      expect(await docker(["run", "--rm", "-i", "--network", "none", bundle], { input })).toMatchObject({ code: 0, stdout: expected.stdout });
    }
  });
});

describe("BUNDLE times with SOURCE_DATE_EPOCH", () => {
  it("makes times later than it the epoch, keeps earlier ones, dates its own files with it", async () => {
    // An epoch just before the stage's last file: that one is later, Debian's files are earlier.
    const before = await mtimes(await build(["--target", "build"]), ["/usr/local/bin/stats"]);
    const epoch = before["/usr/local/bin/stats"] / S - 1n;
    const arg = ["--build-arg", `SOURCE_DATE_EPOCH=${epoch}`];
    const [bundle, fat] = await Promise.all([build([...arg, BUNDLE_RUNS]), build([...arg, "--target", "build"])]);
    const [mine, theirs] = await Promise.all([mtimes(bundle, [...FILES, ...DIRS, MANIFEST]), mtimes(fat, [...FILES, ...DIRS])]);
    const paths = [...FILES, ...DIRS];
    expect(seconds(mine, paths)).toEqual(paths.map((p) => min(theirs[p] / S, epoch)));
    expect(mine["/usr/local/bin/stats"]).toBe(epoch * S);
    expect(mine["/usr/bin/python3"]).toBe(theirs["/usr/bin/python3"]);
    expect(theirs["/usr/bin/python3"]).toBeLessThan(epoch * S);
    expect(mine[MANIFEST]).toBe(epoch * S);
  });
});
