// A non-native platform: the source stage is arm64 and runs under QEMU user emulation. The
// tracer runs natively and traces the emulator, which makes the guest's file calls itself, so the
// trace still names the arm64 program's files; the bundle runs like the fat stage.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { docker, dockerOk, env, requireFrontendImage } from "./docker.js";

const DOCKERFILE = `# syntax=sidebundle/frontend
FROM sidebundle-test/debian-arm64:bookworm AS build

FROM scratch
BUNDLE --from=build --trace="sort --version" /usr/bin/sort
ENTRYPOINT ["/usr/bin/sort"]
`;

beforeAll(async () => {
  await requireFrontendImage();
  execFileSync("bash", ["scripts/arm64-base.sh"], { env, stdio: ["ignore", "inherit", "inherit"] });
}, 600_000);

describe("BUNDLE for linux/arm64 on an amd64 engine", () => {
  it("traces through the emulator and gives an arm64 bundle that sorts like the fat stage", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-arm64-"));
    writeFileSync(join(dir, "Dockerfile"), DOCKERFILE);
    const build = await dockerOk(["buildx", "build", "--progress=plain", "--platform", "linux/arm64", "--tag", "sidebundle-e2e/sort:arm64", dir]);
    expect(build.stderr).toMatch(/\[sidebundle 1\/3\] trace: sort --version/);
    expect(build.stderr).not.toMatch(/tracing is unavailable/);
    const arch = await dockerOk(["image", "inspect", "--format", "{{.Architecture}}", "sidebundle-e2e/sort:arm64"]);
    expect(arch.stdout.trim()).toBe("arm64");
    const input = "pear\napple\nfig\n";
    const ours = await docker(["run", "--rm", "-i", "--platform", "linux/arm64", "--network", "none", "sidebundle-e2e/sort:arm64"], { input });
    const fat = await docker(["run", "--rm", "-i", "--platform", "linux/arm64", "--network", "none", "--entrypoint", "sort", "sidebundle-test/debian-arm64:bookworm"], { input });
    expect(fat).toMatchObject({ code: 0, stdout: "apple\nfig\npear\n" });
    expect({ code: ours.code, stdout: ours.stdout }).toEqual({ code: 0, stdout: fat.stdout });
    // The bundle has no cat: sort prints the manifest (its lines sorted).
    const manifest = await dockerOk(["run", "--rm", "--platform", "linux/arm64", "--entrypoint", "/usr/bin/sort", "sidebundle-e2e/sort:arm64", "/.sidebundle/manifest.lock"]);
    expect(manifest.stdout).toContain('"path": "/usr/lib/aarch64-linux-gnu/libc.so.6"');
  });
});
