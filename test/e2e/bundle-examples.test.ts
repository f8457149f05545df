// Every BUNDLE example, built on the real engine: the minimized image runs offline and behaves
// like the fat stage it came from (same stdout, same exit code); sizes are recorded.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerdEngine, docker, dockerOk, requireFrontendImage, type Run } from "./docker.js";
import { ociImages } from "./oci.js";

const EXAMPLES = join(import.meta.dirname, "../../examples");
const sizes: Record<string, { bundle: number; fat: number }> = {};

interface Invocation {
  args?: string[];
  stdin?: string;
  /** Another program of a multi-entry bundle. */
  entrypoint?: string[];
}

interface Example {
  name: string;
  entrypoint: string[];
  runs: Invocation[];
}

const examples: Example[] = [
  { name: "jq", entrypoint: ["/usr/bin/jq"], runs: [{ args: ["--version"] }, { args: ["-c", ".a | map(. * 2)"], stdin: '{"a":[1,2,3]}' }] },
  { name: "python", entrypoint: ["/usr/local/bin/stats"], runs: [{ stdin: "4 5 6\n" }] },
  { name: "node", entrypoint: ["/usr/bin/node", "/app/main.js"], runs: [{ stdin: "istanbul izmir ankara\n" }] },
  { name: "shell-pipeline", entrypoint: ["/usr/local/bin/wordfreq"], runs: [{ stdin: "b a c a b a\nthe end\n" }] },
  {
    name: "multi-entry",
    entrypoint: ["/usr/bin/jq"],
    runs: [{ args: ["-n", "[1,2] | add"] }, { entrypoint: ["/usr/bin/python3"], args: ["-c", "import json; print(json.dumps({'ok': True}))"] }],
  },
];

async function buildExample(name: string, target?: string): Promise<string> {
  const tag = `sidebundle-e2e/${name}:${target ?? "bundle"}`;
  const args = ["buildx", "build", "--progress=plain", "--tag", tag, ...(target ? ["--target", target] : []), join(EXAMPLES, name)];
  const run = await dockerOk(args);
  if (!target) expect(run.stderr).toMatch(/\[sidebundle \d+\/\d+\] assemble: \d+ files/);
  return tag;
}

async function imageSize(tag: string): Promise<number> {
  return Number((await dockerOk(["image", "inspect", "--format", "{{.Size}}", tag])).stdout.trim());
}

function runImage(tag: string, entrypoint: string[], inv: Invocation): Promise<Run> {
  const [exe, ...rest] = inv.entrypoint ?? entrypoint;
  return docker(["run", "--rm", "-i", "--network", "none", "--entrypoint", exe, tag, ...rest, ...(inv.args ?? [])], { input: inv.stdin });
}

beforeAll(requireFrontendImage);

afterAll(() => {
  mkdirSync("dist", { recursive: true });
  writeFileSync("dist/e2e-sizes.json", JSON.stringify(sizes, null, 2) + "\n");
  for (const [name, s] of Object.entries(sizes)) {
    console.log(`${name.padEnd(16)} bundle ${(s.bundle / 1e6).toFixed(1)} MB, fat stage ${(s.fat / 1e6).toFixed(1)} MB (${((100 * s.bundle) / s.fat).toFixed(1)}%)`);
  }
});

describe.each(examples)("examples/$name", (ex) => {
  it("runs offline exactly like the fat stage", async () => {
    const [bundle, fat] = await Promise.all([buildExample(ex.name), buildExample(ex.name, "build")]);
    sizes[ex.name] = { bundle: await imageSize(bundle), fat: await imageSize(fat) };
    for (const inv of ex.runs) {
      const expected = await runImage(fat, ex.entrypoint, inv);
      const actual = await runImage(bundle, ex.entrypoint, inv);
      expect(expected.stdout.length + expected.stderr.length).toBeGreaterThan(0);
      expect({ code: actual.code, stdout: actual.stdout }).toEqual({ code: expected.code, stdout: expected.stdout });
    }
    expect(sizes[ex.name].bundle).toBeLessThan(sizes[ex.name].fat / 2);
  });
});

describe("examples/tls-client", () => {
  it("talks TLS to a server it finds by name, trusting the fat stage's CA, like the fat stage", async () => {
    const [bundle, fat] = await Promise.all([buildExample("tls-client"), buildExample("tls-client", "build")]);
    sizes["tls-client"] = { bundle: await imageSize(bundle), fat: await imageSize(fat) };
    // A user-defined network with no way out; the server, from the fat stage, is found by name.
    const network = `sb-tls-${process.pid}`;
    await dockerOk(["network", "create", "--internal", network]);
    const serverArgs = ["openssl", "s_server", "-quiet", "-WWW", "-accept", "443", "-cert", "server.pem", "-key", "server.key"];
    const server = (await dockerOk(["run", "-d", "--network", network, "--network-alias", "tls-server", "--entrypoint", serverArgs[0]!, fat, ...serverArgs.slice(1)])).stdout.trim();
    const curl = (tag: string, args: string[]) => docker(["run", "--rm", "--network", network, "--entrypoint", "/usr/bin/curl", tag, ...args]);
    try {
      const hello = ["-fsS", "--retry", "10", "--retry-connrefused", "--retry-delay", "1", "https://tls-server/hello.txt"];
      expect(await curl(fat, hello)).toMatchObject({ code: 0, stdout: "hello over TLS\n" });
      const traced = await curl(bundle, hello);
      expect(traced, traced.stderr).toMatchObject({ code: 0, stdout: "hello over TLS\n" });
      // Not traced: another request, a status code, and the certificate's verification result.
      const other = ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{ssl_verify_result}\n", "https://tls-server/missing.txt"];
      const [expected, actual] = [await curl(fat, other), await curl(bundle, other)];
      expect(expected.stdout).toMatch(/^\d{3} 0\n$/);
      expect({ code: actual.code, stdout: actual.stdout }).toEqual({ code: expected.code, stdout: expected.stdout });
    } finally {
      await docker(["rm", "-f", server]);
      await docker(["network", "rm", network]);
    }
    expect(sizes["tls-client"].bundle).toBeLessThan(sizes["tls-client"].fat / 2);
  }, 600_000);
});

describe("examples/server", () => {
  it("serves offline like the fat stage after a timed-out trace", async () => {
    const [bundle, fat] = await Promise.all([buildExample("server"), buildExample("server", "build")]);
    sizes.server = { bundle: await imageSize(bundle), fat: await imageSize(fat) };
    const server = (await dockerOk(["run", "-d", "--network", "none", bundle])).stdout.trim();
    try {
      // A client in the server's network namespace, from the fat image (which has python3).
      const probe = "import time, urllib.request\nfor _ in range(50):\n    try:\n        print(urllib.request.urlopen('http://localhost:8000/index.txt').read().decode(), end=''); break\n    except OSError: time.sleep(0.2)\n";
      const run = await docker(["run", "--rm", "--network", `container:${server}`, "--entrypoint", "/usr/bin/python3", fat, "-c", probe]);
      expect(run).toMatchObject({ code: 0, stdout: "hello from a bundled server\n" });
    } finally {
      await docker(["rm", "-f", server]);
    }
  });
});

describe("examples/busybox-glibc", () => {
  // The traced applets, then untraced ones: another time zone, sort, NSS's passwd lookup, md5sum.
  const SCRIPTS = ["echo b a | sed s/a/c/", "TZ=Asia/Tokyo date -d @0 +%H:%M%z; printf '3\\n10\\n2\\n' | sort -n | xargs; id -un; echo x | md5sum; busybox | head -n 1"];

  // The C++ program copied into the base (libstdc++ with an exception, libgcc_s, libm, libz), built
  // for the target platform by a cross compiler: what bookworm's zlib and libm print.
  const HELLO: [string[], string][] = [
    [[], "hello from C++, zlib 1.2.13, sqrt(2) = 1.41421\n"],
    [["oops"], "caught: oops\n"],
  ];

  /** The applets run as in the fat stage; the C++ program runs. */
  async function runsLikeFatStage(tags: { image: string; fat: string }, run: (tag: string, entrypoint: string[], inv: Invocation) => Promise<Run>): Promise<void> {
    for (const script of SCRIPTS) {
      const [expected, actual] = [await run(tags.fat, ["/bin/sh", "-c"], { args: [script] }), await run(tags.image, ["/bin/sh", "-c"], { args: [script] })];
      expect(expected.stdout.length).toBeGreaterThan(0);
      expect({ code: actual.code, stdout: actual.stdout }).toEqual({ code: expected.code, stdout: expected.stdout });
    }
    for (const [args, stdout] of HELLO) expect(await run(tags.image, ["/usr/local/bin/hello"], { args })).toMatchObject({ code: 0, stdout });
  }

  it("is a base image whose busybox applets and a glibc C++ program run like in their fat stages", async () => {
    const [image, fat] = await Promise.all([buildExample("busybox-glibc"), buildExample("busybox-glibc", "build")]);
    sizes["busybox-glibc"] = { bundle: await imageSize(image), fat: await imageSize(fat) };
    await runsLikeFatStage({ image, fat }, runImage);
    expect(sizes["busybox-glibc"].bundle).toBeLessThan(sizes["busybox-glibc"].fat / 2);
  }, 600_000);

  it("builds for linux/amd64, linux/arm64 and linux/386 in one build, every platform's image running", async () => {
    const engine = await containerdEngine();
    const platforms = ["linux/amd64", "linux/arm64", "linux/386"];
    const triplets: Record<string, string> = { "linux/amd64": "x86_64-linux-gnu", "linux/arm64": "aarch64-linux-gnu", "linux/386": "i386-linux-gnu" };
    const build = (args: string[]) => dockerOk(["buildx", "build", "--progress=plain", "--platform", platforms.join(","), ...args, join(EXAMPLES, "busybox-glibc")], { env: engine });
    const oci = join(mkdtempSync(join(tmpdir(), "sb-busybox-")), "index.tar");
    const built = await build(["--output", `type=oci,dest=${oci}`]);
    expect(built.stderr).not.toMatch(/tracing is unavailable/);
    const images = await ociImages(oci);
    expect([...images.keys()].sort()).toEqual([...platforms].sort());
    for (const [platform, image] of images) {
      expect(image.files.some((f) => f.name === `usr/lib/${triplets[platform]}/libstdc++.so.6`), `${platform}'s libstdc++`).toBe(true);
      console.log(`busybox-glibc ${platform.padEnd(12)} ${(image.bytes / 1e6).toFixed(1)} MB uncompressed`);
    }
    const tags = { image: "sidebundle-e2e/busybox-glibc:multi", fat: "sidebundle-e2e/busybox-glibc:multi-build" };
    await Promise.all([build(["--tag", tags.image]), build(["--target", "build", "--tag", tags.fat])]);
    for (const platform of platforms) {
      await runsLikeFatStage(tags, (tag, entrypoint, inv) => {
        const [exe, ...rest] = entrypoint;
        return docker(["run", "--rm", "--platform", platform, "--network", "none", "--entrypoint", exe, tag, ...rest, ...(inv.args ?? [])], { env: engine });
      });
    }
  }, 1_800_000);
});
