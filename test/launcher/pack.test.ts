// sidebundle-pack: payload files become hard links into data/<sha256>, one data file per content
// and time.
import { chmodSync, chownSync, existsSync, lstatSync, lutimesSync, mkdirSync, readFileSync, readlinkSync, realpathSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTracer, removeTempDirs } from "../tracer/helpers.js";
import { packer, packList, run, sha256, toolsBundle, type Bundle } from "./bundle.js";

beforeAll(buildTracer);
afterAll(removeTempDirs);

/** The regular files of the tools bundle, and two pairs of files with the same content and time. */
function packable(): { b: Bundle; files: string[] } {
  const b = toolsBundle();
  b.write("/usr/share/doc/a/copyright", "same text\n", 0o644);
  b.write("/usr/share/doc/b/copyright", "same text\n", 0o644);
  b.write("/usr/local/bin/where2", readFileSync(b.path("/usr/local/bin/where"), "utf8"));
  for (const f of ["/usr/share/doc/a/copyright", "/usr/share/doc/b/copyright", "/usr/local/bin/where", "/usr/local/bin/where2"]) {
    utimesSync(b.path(f), 1_600_000_000, 1_600_000_000);
  }
  const elves = ["/usr/bin/sort", "/usr/bin/tr", "/usr/bin/env", "/usr/bin/dash", "/usr/bin/busybox"];
  const libs = ["/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"];
  const others = ["/usr/local/bin/words", "/usr/local/bin/where", "/usr/local/bin/where2", "/usr/share/doc/a/copyright", "/usr/share/doc/b/copyright"];
  return { b, files: [...elves, ...libs, ...others] };
}

describe("packing", () => {
  let b: Bundle;
  let files: string[];
  let modes: Map<string, number>;
  let packed: ReturnType<typeof run>;
  let listFile: string;
  beforeAll(() => {
    ({ b, files } = packable());
    modes = new Map(files.map((f) => [f, statSync(b.path(f)).mode]));
    listFile = packList(b, files);
    packed = run(packer, [b.root, listFile]);
  });

  it("succeeds silently and removes the list", () => {
    expect(packed).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(existsSync(listFile)).toBe(false);
    expect(statSync(join(b.root, "data")).mode & 0o7777).toBe(0o755);
  });

  it("makes every listed file a hard link to data/<sha256>, mode kept", () => {
    for (const f of files) {
      const file = statSync(b.path(f));
      const data = statSync(join(b.root, "data", sha256(b.path(f))));
      expect({ f, ino: file.ino, mode: file.mode }).toEqual({ f, ino: data.ino, mode: modes.get(f) });
      expect(file.nlink).toBeGreaterThanOrEqual(2);
    }
  });

  it("keeps one data file per content", () => {
    const same = (x: string, y: string) => statSync(b.path(x)).ino === statSync(b.path(y)).ino;
    expect(same("/usr/share/doc/a/copyright", "/usr/share/doc/b/copyright")).toBe(true);
    expect(same("/usr/local/bin/where", "/usr/local/bin/where2")).toBe(true);
    expect(statSync(b.path("/usr/local/bin/where")).nlink).toBe(3);
    expect(statSync(b.path("/usr/bin/sort")).nlink).toBe(2);
    expect(run("ls", [join(b.root, "data")]).stdout.split("\n").filter(Boolean)).toHaveLength(files.length - 2);
  });

  it("leaves a bundle that still runs", () => {
    expect(run(join(b.root, "bin/words"), [], { input: "b a\n" }).stdout).toBe("a\nb\n");
    expect(run(join(b.root, "bin/where")).stdout).toBe(`${b.root}/bin/tr\n${b.root}/bin/sort\n`);
  });

  it("leaves a file of the same content but another time a copy, with its time", () => {
    b.write("/usr/share/doc/c/copyright", "same text\n", 0o644);
    utimesSync(b.path("/usr/share/doc/c/copyright"), 1_700_000_000, 1_700_000_000);
    expect(run(packer, [b.root, packList(b, ["/usr/share/doc/a/copyright", "/usr/share/doc/c/copyright"])])).toEqual({ code: 0, stdout: "", stderr: "" });
    const c = statSync(b.path("/usr/share/doc/c/copyright"));
    expect({ nlink: c.nlink, mtime: c.mtimeMs }).toEqual({ nlink: 1, mtime: 1_700_000_000_000 });
    expect(statSync(b.path("/usr/share/doc/a/copyright")).mtimeMs).toBe(1_600_000_000_000);
  });

  it("can be run again on the packed bundle", () => {
    expect(run(packer, [b.root, packList(b, files)])).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(statSync(b.path("/usr/local/bin/where")).nlink).toBe(3);
  });
});

describe("packing links that would leave the bundle", () => {
  let b: Bundle;
  const links: Record<string, string> = {
    "/usr/lib/ssl/certs": "/etc/ssl/certs",
    "/usr/lib/ssl/openssl.cnf": "/etc/ssl/./openssl.cnf",
    "/usr/share/up": "../../../../../etc/ssl",
    "/usr/share/root": "/",
  };
  beforeAll(() => {
    b = toolsBundle();
    for (const dir of ["/usr/lib/ssl", "/usr/share"]) mkdirSync(b.path(dir), { recursive: true });
    mkdirSync(b.path("/etc/ssl/certs"), { recursive: true });
    b.write("/etc/ssl/certs/ca.pem", "ca\n", 0o644);
    b.write("/etc/ssl/openssl.cnf", "cnf\n", 0o644);
    for (const [path, target] of Object.entries(links)) b.link(path, target);
    lutimesSync(b.path("/usr/lib/ssl/certs"), 1_600_000_000, 1_600_000_000);
    b.link("/usr/share/kept", "../lib/ssl");
    const list = join(b.root, "LIST");
    writeFileSync(list, Object.keys(links).map((p) => `symlink ${p}\n`).join(""));
    expect(run(packer, [b.root, list])).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it("become relative links to the same place inside the payload", () => {
    expect(Object.fromEntries(Object.keys(links).map((p) => [p, readlinkSync(b.path(p))]))).toEqual({
      "/usr/lib/ssl/certs": "../../../etc/ssl/certs",
      "/usr/lib/ssl/openssl.cnf": "../../../etc/ssl/openssl.cnf",
      "/usr/share/up": "../../etc/ssl",
      "/usr/share/root": "../../.",
    });
    expect(readFileSync(b.path("/usr/lib/ssl/certs/ca.pem"), "utf8")).toBe("ca\n");
    expect(realpathSync(b.path("/usr/share/root"))).toBe(realpathSync(join(b.root, "payload")));
    expect(readlinkSync(b.path("/usr/share/kept"))).toBe("../lib/ssl");
  });

  it("keep the old links' times", () => {
    expect(lstatSync(b.path("/usr/lib/ssl/certs")).mtimeMs).toBe(1_600_000_000_000);
  });
});

describe("packing files of other owners", () => {
  it("keeps a file with the same content but another owner as a plain copy", () => {
    const b = toolsBundle();
    b.write("/usr/share/x", "same\n", 0o644);
    b.write("/usr/share/y", "same\n", 0o644);
    chownSync(b.path("/usr/share/y"), 1000, 1000);
    for (const p of ["/usr/share/x", "/usr/share/y"]) utimesSync(b.path(p), 1_600_000_000, 1_600_000_000);
    expect(run(packer, [b.root, packList(b, ["/usr/share/x", "/usr/share/y"])])).toEqual({ code: 0, stdout: "", stderr: "" });
    const [x, y] = ["/usr/share/x", "/usr/share/y"].map((p) => statSync(b.path(p)));
    expect(x!.nlink).toBe(2);
    expect({ nlink: y!.nlink, uid: y!.uid, gid: y!.gid }).toEqual({ nlink: 1, uid: 1000, gid: 1000 });
    expect(readFileSync(b.path("/usr/share/y"), "utf8")).toBe("same\n");
  });
});

describe("pack errors: one line, exit 1", () => {
  let b: Bundle;
  beforeAll(() => {
    b = toolsBundle();
  });
  const sha = "0".repeat(64);

  it.each([
    ["a missing file", `${sha} /usr/bin/gone\n`, /\/payload\/usr\/bin\/gone: No such file or directory/],
    ["a path with ..", `${sha} /usr/../../etc/passwd\n`, /LIST:1: \/usr\/\.\.\/\.\.\/etc\/passwd: has a "\.\." component/],
    ["a relative path", `${sha} usr/bin/sort\n`, /LIST:1: usr\/bin\/sort: not an absolute path/],
    ["a line without a sha256", `${sha} /usr/bin/sort\nxyz /usr/bin/tr\n`, /LIST:2: not a "<sha256> <payload path>" or "symlink <payload path>" line/],
    ["a directory", `${sha} /usr/bin\n`, /\/payload\/usr\/bin: not a regular file/],
  ])("%s", (_what, text, message) => {
    const listFile = join(b.root, "LIST");
    writeFileSync(listFile, text);
    const out = run(packer, [b.root, listFile]);
    expect(out.stderr).toMatch(new RegExp(`^sidebundle-pack: .*${message.source}\n$`));
    expect(out).toMatchObject({ code: 1, stdout: "" });
  });

  it("an unreadable list, or no list", () => {
    expect(run(packer, [b.root, join(b.root, "nope")])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^sidebundle-pack: cannot open .*\/nope: No such file or directory\n$/) });
    expect(run(packer, [b.root])).toEqual({ code: 1, stdout: "", stderr: "sidebundle-pack: usage: sidebundle-pack ROOT LIST\n" });
  });

  it("the same content with another mode (the store would change one of them)", () => {
    b.write("/usr/share/x", "same\n", 0o644);
    b.write("/usr/share/y", "same\n", 0o644);
    chmodSync(b.path("/usr/share/y"), 0o600);
    const out = run(packer, [b.root, packList(b, ["/usr/share/x", "/usr/share/y"])]);
    expect(out.stderr).toMatch(/^sidebundle-pack: .*\/payload\/usr\/share\/y: same content as .*\/data\/[0-9a-f]{64} but mode 0600, not 0644\n$/);
    expect(out.code).toBe(1);
  });
});
