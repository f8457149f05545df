// Loader search rules on compiled fixtures (gcc, no libc so that the DT_NEEDED lists are
// exactly what each case says): RPATH inherited by the loaded objects, RUNPATH not, RUNPATH
// disabling RPATH, $ORIGIN, and candidates of the wrong ELF class skipped.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { HostFS } from "../../frontend/closure/host-fs.js";
import { DynamicLoader, type LinkMap } from "../../frontend/closure/ldso.js";
import { Resolver } from "../../frontend/closure/resolve.js";

let root: string;

function compile(out: string, args: string[]): void {
  mkdirSync(root + out.slice(0, out.lastIndexOf("/")), { recursive: true });
  execFileSync("gcc", ["-nostdlib", "-fPIC", "-Wl,--no-as-needed", "-o", root + out, ...args], { cwd: root, stdio: "pipe" });
}

function library(out: string, soname: string, extra: string[] = []): void {
  writeFileSync(`${root}/src.c`, `int ${soname.replace(/\W/g, "_")}(void) { return 1; }\n`);
  compile(out, ["-shared", `-Wl,-soname,${soname}`, "src.c", ...extra]);
}

function executable(out: string, links: string[]): void {
  writeFileSync(`${root}/main.c`, "void _start(void) {}\n");
  compile(out, ["main.c", ...links]);
}

beforeAll(() => {
  root = mkdtempSync(`${tmpdir()}/closure-ldso-`);
  library("/opt/a/liby.so", "liby.so");
  library("/opt/b/liby.so", "liby.so", ["-m32"]); // wrong class, first on the path
  library("/opt/b/libx.so", "libx.so", ["-L/opt/a", `-L${root}/opt/a`, "-ly"]);
  library("/app/lib/libw.so", "libw.so");
  executable("/usr/bin/rpath", [`-L${root}/opt/b`, "-lx", "-Wl,--disable-new-dtags,-rpath,/opt/b:/opt/a"]);
  executable("/usr/bin/runpath", [`-L${root}/opt/b`, "-lx", "-Wl,--enable-new-dtags,-rpath,/opt/b:/opt/a"]);
  executable("/app/bin/origin", [`-L${root}/app/lib`, "-lw", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib"]);
  library("/opt/dst/x86_64/libp.so", "libp.so");
  library("/opt/dst/lib64/libl.so", "libl.so");
  executable("/usr/bin/dst", [`-L${root}/opt/dst/x86_64`, `-L${root}/opt/dst/lib64`, "-lp", "-ll", "-Wl,--enable-new-dtags,-rpath,/opt/dst/$PLATFORM:/opt/dst/${LIB}"]);
  library("/opt/h/libh.so", "libh.so");
  library("/opt/h/glibc-hwcaps/x86-64-v3/libh.so", "libh.so");
  library("/opt/v/glibc-hwcaps/x86-64-v2/libv.so", "libv.so");
  executable("/usr/bin/hwcaps", [`-L${root}/opt/h`, `-L${root}/opt/v/glibc-hwcaps/x86-64-v2`, "-lh", "-lv", "-Wl,-rpath,/opt/h:/opt/v"]);
  mkdirSync(`${root}/etc/ld.so.conf.d`, { recursive: true });
  writeFileSync(`${root}/etc/ld.so.conf`, "# comment\ninclude /etc/ld.so.conf.d/*.conf\n");
  writeFileSync(`${root}/etc/ld.so.conf.d/opt.conf`, "/opt/conf\n");
  library("/opt/conf/libc1.so", "libc1.so");
  library("/opt/conf/libalias.so", "libalias.so");
  executable("/usr/bin/cached", [`-L${root}/opt/conf`, "-lc1", "-lalias"]);
  library("/opt/conf/libalias.so", "libalias.so.2"); // now only answers for libalias.so.2
});

function summary(map: LinkMap) {
  return { found: map.libraries.map((o) => `${o.name}=${o.path}`), missing: map.missing.map((m) => `${m.name} by ${m.neededBy}`) };
}

describe("glibc search rules", () => {
  const load = (path: string, env: Record<string, string> = {}) => new DynamicLoader(new Resolver(new HostFS(root)), env).linkMap(path);

  it("uses the executable's RPATH for the libraries it loads, skipping the 32-bit candidate", async () => {
    expect(summary(await load("/usr/bin/rpath"))).toEqual({
      found: ["libx.so=/opt/b/libx.so", "liby.so=/opt/a/liby.so"],
      missing: ["/lib64/ld-linux-x86-64.so.2 by /usr/bin/rpath"],
    });
  });

  it("uses RUNPATH only for the object's own dependencies", async () => {
    expect(summary(await load("/usr/bin/runpath")).missing).toEqual([
      "/lib64/ld-linux-x86-64.so.2 by /usr/bin/runpath",
      "liby.so by /opt/b/libx.so",
    ]);
  });

  it("searches LD_LIBRARY_PATH from the source image's environment", async () => {
    expect(summary(await load("/usr/bin/runpath", { LD_LIBRARY_PATH: "/nowhere:/opt/a" })).found).toEqual([
      "libx.so=/opt/b/libx.so",
      "liby.so=/opt/a/liby.so",
    ]);
  });

  it("expands $ORIGIN to the executable's directory, keeping the loader's spelling", async () => {
    expect(summary(await load("/app/bin/origin")).found).toEqual(["libw.so=/app/bin/../lib/libw.so"]);
  });

  it("expands $PLATFORM and $LIB (lib64 without Debian multiarch directories)", async () => {
    expect(summary(await load("/usr/bin/dst")).found).toEqual(["libp.so=/opt/dst/x86_64/libp.so", "libl.so=/opt/dst/lib64/libl.so"]);
  });

  it("finds glibc-hwcaps variants next to a library, or in place of it", async () => {
    const [libh, libv] = (await load("/usr/bin/hwcaps")).libraries;
    expect(libh?.path).toBe("/opt/h/libh.so");
    expect(libh?.variants).toEqual(["/opt/h/glibc-hwcaps/x86-64-v3/libh.so"]);
    expect(libv?.path).toBe("/opt/v/glibc-hwcaps/x86-64-v2/libv.so"); // only a variant exists
  });

  it("finds ld.so.conf directories (with include globs) by SONAME, like the ld.so cache", async () => {
    expect(summary(await load("/usr/bin/cached"))).toEqual({
      found: ["libc1.so=/opt/conf/libc1.so"],
      missing: ["/lib64/ld-linux-x86-64.so.2 by /usr/bin/cached", "libalias.so by /usr/bin/cached"],
    });
  });
});
