// Where ptrace is not allowed (Yama ptrace_scope 3; here an engine whose runc denies it to every
// container, scripts/side-engine.sh no-ptrace), BUNDLE falls back to static analysis: it warns
// once, naming the reason, and the bundle of an ELF program still runs; --test runs untraced.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { docker, env, requireFrontendImage } from "./docker.js";

let noPtrace: NodeJS.ProcessEnv;

const bundle = (test: string) => `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
FROM scratch
BUNDLE --from=build --trace="sort --version" ${test} /usr/bin/sort
ENTRYPOINT ["/usr/bin/sort"]
`;
const DOCKERFILE = bundle(`--test="sort --version"`);

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
    // The test passed: it ran again, untraced.
    expect(build.stderr).toMatch(/\[sidebundle 4\/4\] test: sort --version \(untraced\)\n/);
  });

  it("fails the build on a --test that fails untraced, saying why its misses are unknown", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-no-ptrace-"));
    writeFileSync(join(dir, "Dockerfile"), bundle(`--test="sort --no-such-option"`));
    const build = await docker(["buildx", "build", "--progress=plain", dir], { env: noPtrace });
    expect(build.code).not.toBe(0);
    expect(build.stderr).toMatch(
      /ERROR: failed to solve: BUNDLE: --test "sort --no-such-option" exited with status 2; its error output ended with "sort: unrecognized option '--no-such-option'\\nTry 'sort --help' for more information.\\n"; it ran untraced \(PTRACE_SEIZE: Operation not permitted: .*\), so the files it missed are unknown\n/,
    );
  });
});
