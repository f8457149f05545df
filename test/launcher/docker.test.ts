// sidebundle-launch in containers whose root has no glibc, no loader and no shell of its own:
// a static busybox plus the (packed) bundle under /opt/bundle, and the bundle alone as the root,
// where a launcher runs as pid 1 and R is "/".
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, dockerOk } from "../e2e/docker.js";
import { buildTracer, removeTempDirs, tempDir } from "../tracer/helpers.js";
import { packedToolsBundle, type Bundle } from "./bundle.js";

const withBusybox = `sidebundle-test/launcher-busybox:${process.pid}`;
const bundleOnly = `sidebundle-test/launcher-bundle:${process.pid}`;
let b: Bundle;

/** An image made of exactly the files under dir (docker import of a tar: no base, no build). */
async function importDir(dir: string, tag: string): Promise<void> {
  const tar = join(tempDir("tar"), "root.tar");
  execFileSync("tar", ["-C", dir, "-cf", tar, "."]);
  await dockerOk(["import", tar, tag]);
}

beforeAll(async () => {
  buildTracer();
  b = packedToolsBundle();
  const root = tempDir("root");
  mkdirSync(join(root, "bin"));
  copyFileSync("/bin/busybox", join(root, "bin/busybox"));
  mkdirSync(join(root, "opt"));
  execFileSync("cp", ["-a", b.root, join(root, "opt/bundle")]);
  await importDir(root, withBusybox);
  await importDir(b.root, bundleOnly);
});

afterAll(async () => {
  await docker(["rmi", "-f", withBusybox, bundleOnly]);
  removeTempDirs();
});

const inContainer = (image: string, command: string[], input = "") => docker(["run", "--rm", "-i", "--network", "none", image, ...command], { input });

describe("a root with only a static busybox and the bundle", () => {
  it("has nothing else: no /lib, no loader, no libc", async () => {
    const out = await inContainer(withBusybox, ["/bin/busybox", "ls", "/", "/bin", "/opt"]);
    expect(out.stdout).toBe("/:\nbin\ndev\netc\nopt\nproc\nsys\n\n/bin:\nbusybox\n\n/opt:\nbundle\n");
  });

  it("sorts stdin", async () => {
    expect(await inContainer(withBusybox, ["/opt/bundle/bin/sort"], "pear\napple\nfig\n")).toEqual({ code: 0, stdout: "apple\nfig\npear\n", stderr: "" });
  });

  it("runs a script entry whose commands are the bundle's", async () => {
    expect(await inContainer(withBusybox, ["/opt/bundle/bin/words"], "to be or not\n")).toMatchObject({ code: 0, stdout: "be\nnot\nor\nto\n" });
    expect((await inContainer(withBusybox, ["/opt/bundle/bin/where"])).stdout).toBe("/opt/bundle/bin/tr\n/opt/bundle/bin/sort\n");
  });

  it("gives children no library path (busybox's env is a child of the bundled sh)", async () => {
    const out = await inContainer(withBusybox, ["/opt/bundle/bin/sh", "-c", "/bin/busybox env"]);
    expect(out.code).toBe(0);
    const vars = out.stdout.split("\n");
    expect(vars.filter((v) => v.startsWith("LD_"))).toEqual([]);
    expect(vars).toContain("SIDEBUNDLE_ROOT=/opt/bundle");
    expect(vars.find((v) => v.startsWith("PATH="))).toMatch(/^PATH=\/opt\/bundle\/bin:\/usr\/local\/sbin:/);
  });

  it("works from another directory after the bundle is copied", async () => {
    const script = "/bin/busybox cp -a /opt/bundle /moved && /bin/busybox rm -rf /opt/bundle && cd /proc && /moved/bin/sort";
    expect(await inContainer(withBusybox, ["/bin/busybox", "sh", "-c", script], "b\na\n")).toEqual({ code: 0, stdout: "a\nb\n", stderr: "" });
  });

  it("runs a musl program with the bundled musl loader", async () => {
    expect((await inContainer(withBusybox, ["/opt/bundle/bin/args", "x"])).stdout).toBe("/opt/bundle/payload/usr/bin/renamed\n/opt/bundle/payload/etc/args.conf\n-v\nrel/path\nx\n");
  });

  it("runs the static busybox as the applet argv0 names", async () => {
    expect((await inContainer(withBusybox, ["/opt/bundle/bin/ash", "-c", 'echo "$0"'])).stdout).toBe("/opt/bundle/payload/bin/sh\n");
  });

  it("lets python3 find its standard library inside the bundle", async () => {
    const code = "import json, sys; print(sys.prefix, json.__file__)";
    const out = await inContainer(withBusybox, ["/opt/bundle/bin/python3", "-c", code]);
    expect(out).toMatchObject({ code: 0, stderr: "" });
    expect(out.stdout).toMatch(/^\/opt\/bundle\/payload\/usr \/opt\/bundle\/payload\/usr\/lib\/python3\.\d+\/json\/__init__\.py\n$/);
  });
});

describe("a root that is only the bundle", () => {
  it("runs a launcher as pid 1 with the bundle at /", async () => {
    expect(await inContainer(bundleOnly, ["/bin/sort"], "2\n1\n")).toEqual({ code: 0, stdout: "1\n2\n", stderr: "" });
  });

  it("sets SIDEBUNDLE_ROOT=/ and finds the bundle's commands in /bin", async () => {
    const out = await inContainer(bundleOnly, ["/bin/sh", "-c", 'echo "$SIDEBUNDLE_ROOT" "$0"; command -v tr; echo $$']);
    expect(out).toEqual({ code: 0, stdout: "/ /payload/bin/sh\n/bin/tr\n1\n", stderr: "" });
  });
});
