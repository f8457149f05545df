// Identical input gives identical output: two --no-cache builds of a BUNDLE give the same
// layer, and with SOURCE_DATE_EPOCH the same image digest.
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { dockerOk, requireFrontendImage } from "./docker.js";

const JQ = join(import.meta.dirname, "../../examples/jq");
const PYTHON = join(import.meta.dirname, "../../examples/python");

async function build(extra: string[], dir = JQ, noCache = "--no-cache"): Promise<{ id: string; layers: string[] }> {
  const id = (await dockerOk(["buildx", "build", "--quiet", noCache, ...extra, dir])).stdout.trim();
  const layers = JSON.parse((await dockerOk(["image", "inspect", "--format", "{{json .RootFS.Layers}}", id])).stdout);
  return { id, layers };
}

beforeAll(requireFrontendImage);

describe("BUNDLE reproducibility", () => {
  it("gives the same layer on every --no-cache build", async () => {
    const a = await build([]);
    const b = await build([]);
    expect(a.layers).toHaveLength(1);
    expect(b.layers).toEqual(a.layers);
  });

  it("gives the same layer when the traces of several processes run again (their pids may differ)", async () => {
    // Only the bundle's ops run again: its stage is unnamed, so BuildKit calls it stage-1.
    const a = await build([], PYTHON, "--no-cache-filter=stage-1");
    const b = await build([], PYTHON, "--no-cache-filter=stage-1");
    expect(b.layers).toEqual(a.layers);
  });

  it("gives the same image digest with SOURCE_DATE_EPOCH", async () => {
    const epoch = ["--build-arg", "SOURCE_DATE_EPOCH=1700000000"];
    const a = await build(epoch);
    const b = await build(epoch);
    expect(a.id).toMatch(/^sha256:/);
    expect(b.id).toBe(a.id);
  });
});
