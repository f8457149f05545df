// Identical input gives identical output: the bundle's steps run again on the same source give
// the same layer; with SOURCE_DATE_EPOCH, two --no-cache builds (the source built again, with new
// file times) give the same image digest; a rebuild takes every step from the cache.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { dockerOk, requireFrontendImage } from "./docker.js";

/** Each `[sidebundle k/n] …` vertex of a plain progress log, and whether BuildKit found it cached. */
function sidebundleSteps(progress: string): Map<string, boolean> {
  const steps = new Map<string, boolean>();
  for (const [, id, name] of progress.matchAll(/^#(\d+) (\[sidebundle \d+\/\d+\] .*)$/gm)) {
    steps.set(name, new RegExp(`^#${id} CACHED$`, "m").test(progress));
  }
  return steps;
}

const JQ = join(import.meta.dirname, "../../examples/jq");
const PYTHON = join(import.meta.dirname, "../../examples/python");

async function build(extra: string[], dir = JQ, noCache = "--no-cache"): Promise<{ id: string; layers: string[] }> {
  const id = (await dockerOk(["buildx", "build", "--quiet", noCache, ...extra, dir])).stdout.trim();
  const layers = JSON.parse((await dockerOk(["image", "inspect", "--format", "{{json .RootFS.Layers}}", id])).stdout);
  return { id, layers };
}

beforeAll(requireFrontendImage);

describe("BUNDLE reproducibility", () => {
  it("gives the same layer when the bundle's steps run again on the same source", async () => {
    // The source keeps its cache: its files keep their times, which the bundle keeps.
    const a = await build([], JQ, "--no-cache-filter=stage-1");
    const b = await build([], JQ, "--no-cache-filter=stage-1");
    expect(a.layers).toHaveLength(1);
    expect(b.layers).toEqual(a.layers);
  });

  it("gives the same layer when the traces of several processes run again (their pids may differ)", async () => {
    // Only the bundle's ops run again: its stage is unnamed, so BuildKit calls it stage-1.
    const a = await build([], PYTHON, "--no-cache-filter=stage-1");
    const b = await build([], PYTHON, "--no-cache-filter=stage-1");
    expect(b.layers).toEqual(a.layers);
  });

  it("gives the same layer for a portable bundle under a --prefix of several directories", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-prefix-"));
    const dockerfile = readFileSync(join(JQ, "Dockerfile"), "utf8").replace("BUNDLE ", "BUNDLE --layout=portable --prefix=/opt/tools/jq ");
    expect(dockerfile).toContain("--prefix=/opt/tools/jq");
    writeFileSync(join(dir, "Dockerfile"), dockerfile);
    const a = await build([], dir, "--no-cache-filter=stage-1");
    const b = await build([], dir, "--no-cache-filter=stage-1");
    expect(b.layers).toEqual(a.layers);
  });

  it("gives the same image digest on every --no-cache build with SOURCE_DATE_EPOCH", async () => {
    const epoch = ["--build-arg", "SOURCE_DATE_EPOCH=1700000000"];
    const a = await build(epoch);
    const b = await build(epoch);
    expect(a.id).toMatch(/^sha256:/);
    expect(a.layers).toHaveLength(1);
    expect(b.id).toBe(a.id);
  });

  it("takes every step from the cache when nothing changed: trace, resolve, assemble (tree, times, layer)", async () => {
    const args = ["buildx", "build", "--progress=plain", PYTHON];
    await dockerOk(args);
    const steps = sidebundleSteps((await dockerOk(args)).stderr);
    expect([...steps.keys()].sort()).toEqual([
      "[sidebundle 1/3] trace: echo 1 2 3 | stats",
      "[sidebundle 2/3] resolve closure",
      expect.stringMatching(/^\[sidebundle 3\/3\] assemble: \d+ files, [\d.]+ MB$/),
      expect.stringMatching(/^\[sidebundle 3\/3\] assemble: \d+ files, [\d.]+ MB \(times\)$/),
      expect.stringMatching(/^\[sidebundle 3\/3\] assemble: \d+ files, [\d.]+ MB \(tree\)$/),
    ]);
    expect([...steps.values()]).toEqual([true, true, true, true, true]);
  });
});
