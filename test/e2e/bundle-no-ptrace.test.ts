// Where ptrace is not allowed (Yama ptrace_scope 3; here an engine whose runc denies it to every
// container, scripts/side-engine.sh no-ptrace), BUNDLE falls back to static analysis: it warns
// once, naming the reason, and the bundle of an ELF program still runs.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { docker, env, requireFrontendImage } from "./docker.js";

let noPtrace: NodeJS.ProcessEnv;

const DOCKERFILE = `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
FROM scratch
BUNDLE --from=build --trace="sort --version" /usr/bin/sort
ENTRYPOINT ["/usr/bin/sort"]
`;

beforeAll(async () => {
  await requireFrontendImage();
  const out = execFileSync("bash", ["scripts/side-engine.sh", "no-ptrace"], { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  noPtrace = { DOCKER_HOST: out.trim().split("\n").pop()! };
}, 300_000);

describe("BUNDLE where ptrace is denied", () => {
  it("warns once that tracing is unavailable, and bundles what static analysis finds", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-no-ptrace-"));
    writeFileSync(join(dir, "Dockerfile"), DOCKERFILE);
    const tag = "sidebundle-e2e/no-ptrace";
    const build = await docker(["buildx", "build", "--progress=plain", "--tag", tag, dir], { env: noPtrace });
    expect(build.code, build.stderr.slice(-2000)).toBe(0);
    // buildx shows a warning at its vertex and again in the summary that counts them.
    expect(build.stderr).toMatch(/1 warning found[^]*- BUNDLE: tracing is unavailable here \(PTRACE_SEIZE: Operation not permitted\b/);
    const run = await docker(["run", "--rm", "-i", "--network", "none", tag], { env: noPtrace, input: "b\nc\na\n" });
    expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 0, stdout: "a\nb\nc\n" });
  });
});
