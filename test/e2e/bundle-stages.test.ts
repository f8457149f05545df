// Only the BUNDLEs of the stages the target needs run; an unknown --target or a bad
// SOURCE_DATE_EPOCH fails before any BUNDLE runs.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { docker, dockerOk, requireFrontendImage } from "./docker.js";

const DOCKERFILE = `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
RUN echo "b a" > /words

FROM scratch AS broken
BUNDLE --from=build --test="sort /no/such/file" /usr/bin/sort

FROM scratch AS sorter
BUNDLE --from=build --trace="sort /words" /usr/bin/sort

FROM scratch AS via-copy
COPY --from=sorter / /

FROM build AS via-mount
RUN --mount=from=broken,target=/b true

FROM scratch AS final
COPY --from=via-copy / /
`;

function context(text = DOCKERFILE): string {
  const dir = mkdtempSync(join(tmpdir(), "sb-stages-"));
  writeFileSync(join(dir, "Dockerfile"), text);
  return dir;
}

const bundleSteps = (stderr: string) => stderr.split("\n").filter((l) => /\[sidebundle \d+\/\d+\]/.test(l));

beforeAll(requireFrontendImage);

describe("BUNDLEs and stages", () => {
  it("runs the BUNDLEs the target reaches through COPY --from, not those of stages it does not need", async () => {
    const tag = "sidebundle-e2e/stages:final";
    const run = await dockerOk(["buildx", "build", "--progress=plain", "--load", "--tag", tag, context()]);
    // The broken stage's --test would fail the build if its BUNDLE ran.
    expect(run.stderr).not.toContain("/no/such/file");
    expect(bundleSteps(run.stderr).some((l) => l.includes("trace: sort /words"))).toBe(true);
    expect((await dockerOk(["run", "--rm", tag, "/usr/bin/sort", "--version"])).stdout).toMatch(/^sort \(GNU coreutils\)/);
    expect((await dockerOk(["run", "--rm", "-i", tag, "/usr/bin/sort"], { input: "b\na\n" })).stdout).toBe("a\nb\n");
  });

  it("runs a BUNDLE reached through RUN --mount=from", async () => {
    const run = await docker(["buildx", "build", "--progress=plain", "--target", "via-mount", context()]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/BUNDLE: --test "sort \/no\/such\/file" exited with status 2/);
  });

  it("rejects an unknown --target as the builtin frontend does, before any BUNDLE runs", async () => {
    const run = await docker(["buildx", "build", "--progress=plain", "--target", "nope", context()]);
    const builtin = await docker(["buildx", "build", "--progress=plain", "--target", "nope", context(DOCKERFILE.replace(/^BUNDLE .*$/gm, "").replace("# syntax=sidebundle/frontend", "#"))]);
    expect(run.code).not.toBe(0);
    expect(bundleSteps(run.stderr)).toEqual([]);
    const error = (r: typeof run) => r.stderr.split("\n").find((l) => l.startsWith("ERROR: "));
    expect(error(run)).toBe('ERROR: failed to solve: target stage "nope" could not be found');
    expect(error(run)).toBe(error(builtin));
  });

  it("rejects a SOURCE_DATE_EPOCH past the year 9999 before any BUNDLE runs", async () => {
    const run = await docker(["buildx", "build", "--progress=plain", "--build-arg", "SOURCE_DATE_EPOCH=9000000000000", context()]);
    expect(run.code).not.toBe(0);
    expect(bundleSteps(run.stderr)).toEqual([]);
    expect(run.stderr).toContain("ERROR: failed to solve: SOURCE_DATE_EPOCH=9000000000000 is after the year 9999, which an image's creation time cannot hold");
    expect(run.stderr).not.toContain("internal error");
  });
});
