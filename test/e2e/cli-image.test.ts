// `sidebundle bundle --from-image` on the real engine: examples/jq's fat stage, built with
// --target and saved with `docker save`, bundled by the CLI with the example's --trace holds
// exactly what the frontend's bundle of the same entries holds (the two manifest.lock files:
// every path, its digest, mode and reasons). The CLI's bundles run in FROM scratch images (the
// rootfs layout) and on the host (the portable layout, from an image name, untraced) in the
// traced use and in an ordinary one, as the fat stage does.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { outDir, requireBuiltCli, run as runHere, sidebundle } from "../cli/helpers.js";
import { docker, dockerOk, env, requireFrontendImage } from "./docker.js";

const EXAMPLE = join(import.meta.dirname, "../../examples/jq");
const FAT = "sidebundle-e2e/cli-jq:fat";
const BUNDLED = "sidebundle-e2e/cli-jq:bundle";
const uses = [
  { name: "the traced use", args: ["--version"] },
  { name: "a filter", args: ["-c", ".a | map(. * 2)"], input: '{"a":[1,2,3]}' },
];

let archive: string;
let frontendOut: string;
let cliOut: string;

beforeAll(async () => {
  requireBuiltCli();
  await requireFrontendImage();
  frontendOut = outDir("frontend");
  await dockerOk(["buildx", "build", "--output", `type=local,dest=${frontendOut}`, EXAMPLE]);
  await dockerOk(["buildx", "build", "--quiet", "--target", "build", "--tag", FAT, EXAMPLE]);
  archive = join(mkdtempSync(join(tmpdir(), "sb-cli-save-")), "fat.tar");
  await dockerOk(["save", "--output", archive, FAT]);
  cliOut = outDir("image");
  const made = sidebundle(["bundle", "--from-image", archive, "--trace", "jq --version", "/usr/bin/jq", "-o", cliOut], env);
  expect(made).toMatchObject({ code: 0, stdout: "" });
  await dockerOk(["buildx", "build", "--quiet", "--tag", BUNDLED, "-f", "-", cliOut], { input: 'FROM scratch\nCOPY . /\nENTRYPOINT ["/usr/bin/jq"]\n' });
});

const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, ".sidebundle/manifest.lock"), "utf8"));

describe("sidebundle bundle --from-image, a `docker save` archive", () => {
  it("holds what the frontend's bundle of the same entries holds: same paths, digests, modes, reasons", () => {
    const [fromCli, fromFrontend] = [manifest(cliOut), manifest(frontendOut)];
    expect(fromCli.paths.length).toBeGreaterThan(100);
    expect(fromCli.paths).toEqual(fromFrontend.paths);
    expect(fromCli.warnings).toEqual(fromFrontend.warnings);
    expect(fromCli.source).toBe(archive);
  });

  it.each(uses)("runs in a FROM scratch image like the fat stage: $name", async (u) => {
    const expected = await docker(["run", "--rm", "-i", "--network", "none", "--entrypoint", "jq", FAT, ...u.args], { input: u.input });
    expect(expected.code).toBe(0);
    const actual = await docker(["run", "--rm", "-i", "--network", "none", BUNDLED, ...u.args], { input: u.input });
    expect(actual).toEqual(expected);
  });
});

describe("sidebundle bundle --from-image, an OCI layout directory", () => {
  it("traced in a container of the image (its files imported), holds what the frontend's bundle holds", () => {
    const layout = mkdtempSync(join(tmpdir(), "sb-cli-oci-"));
    expect(runHere("tar", ["-C", layout, "-xf", archive]).code).toBe(0);
    // index.json and blobs/ only: no `docker save` manifest.json.
    rmSync(join(layout, "manifest.json"));
    const out = outDir("oci");
    expect(sidebundle(["bundle", "--from-image", layout, "--trace", "jq --version", "/usr/bin/jq", "-o", out], env)).toMatchObject({ code: 0, stdout: "" });
    expect(manifest(out).paths).toEqual(manifest(frontendOut).paths);
  });
});

describe("sidebundle bundle --from-image, an image name, untraced, portable", () => {
  let out: string;
  beforeAll(() => {
    out = outDir("name");
    expect(sidebundle(["bundle", "--from-image", FAT, "--layout", "portable", "/usr/bin/jq", "-o", out], env)).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it.each(uses)("runs on the host from its launcher like the fat stage: $name", async (u) => {
    const expected = await docker(["run", "--rm", "-i", "--network", "none", "--entrypoint", "jq", FAT, ...u.args], { input: u.input });
    expect(runHere(join(out, "bin/jq"), u.args, { input: u.input, env: { PATH: "/usr/bin:/bin" }, cwd: tmpdir() })).toEqual(expected);
  });
});

describe("sidebundle bundle --from-image without an engine", () => {
  const noEngine = { ...env, DOCKER_HOST: `unix://${join(tmpdir(), "no-engine.sock")}` };

  it("names what a --trace on an image needs", () => {
    const r = sidebundle(["bundle", "--from-image", archive, "--trace", "jq --version", "/usr/bin/jq", "-o", outDir("no-engine")], noEngine);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^sidebundle: --trace on an image runs its programs in a container of it, which needs a Docker engine \(docker on PATH, with DOCKER_HOST or the default socket\): .*; without --trace the image is analysed statically\n$/);
  });

  it("says an image name needs one, and still bundles the archive statically", () => {
    const r = sidebundle(["bundle", "--from-image", "no/such-image:latest", "/usr/bin/jq", "-o", outDir("no-image")], noEngine);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^sidebundle: --from-image no\/such-image:latest: no such file or directory, and no Docker engine is reachable to save an image of that name \(.*\) \(sidebundle --help\)\n$/);
    expect(sidebundle(["bundle", "--from-image", archive, "/usr/bin/jq", "-o", outDir("static")], noEngine)).toMatchObject({ code: 0 });
  });
});
