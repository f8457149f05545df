// sidebundle-launch on the host: bundles of this machine's own programs, run from anywhere.
import { execFileSync } from "node:child_process";
import { copyFileSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTracer, removeTempDirs, tempDir } from "../tracer/helpers.js";
import { addPython, Bundle, hostPython, launcher, run, toolsBundle } from "./bundle.js";

let b: Bundle;
beforeAll(() => {
  buildTracer();
  b = toolsBundle();
});
afterAll(removeTempDirs);

const bin = (name: string) => join(b.root, "bin", name);

/** The ELF files (programs, libraries) mapped in a /proc/<pid>/maps text; glibc's locale data,
 * which it opens at absolute paths, is not the launcher's to relocate. */
const mappedFiles = (maps: string) =>
  [...new Set([...maps.matchAll(/ (\/\S+)$/gm)].map((m) => m[1]!))].filter((f) => !/\/(locale|gconv)\//.test(f));

describe("running an entry", () => {
  it("sorts stdin from another working directory", () => {
    expect(run(bin("sort"), [], { input: "pear\napple\nfig\n", cwd: tempDir("cwd") })).toEqual({ code: 0, stdout: "apple\nfig\npear\n", stderr: "" });
  });

  it("passes the user's arguments and the program's exit status", () => {
    expect(run(bin("sort"), ["-r"], { input: "a\nb\n" }).stdout).toBe("b\na\n");
    expect(run(bin("sort"), ["--check"], { input: "b\na\n" })).toMatchObject({ code: 1, stdout: "" });
  });

  it("works after the bundle is copied elsewhere and the original is gone", () => {
    const copy = join(tempDir("copy"), "moved");
    execFileSync("cp", ["-a", b.root, copy]);
    const hidden = `${b.root}.hidden`;
    renameSync(b.root, hidden);
    try {
      expect(run(join(copy, "bin/sort"), [], { input: "2\n1\n" }).stdout).toBe("1\n2\n");
      expect(run(join(copy, "bin/sh"), ["-c", 'echo "$SIDEBUNDLE_ROOT"']).stdout).toBe(`${copy}\n`);
    } finally {
      renameSync(hidden, b.root);
    }
  });

  it("maps only the bundle's loader, libraries and program, none of the host's", () => {
    // The bundled dash reads its own maps with builtins only.
    const out = run(bin("sh"), ["-c", 'while read -r line; do echo "$line"; done </proc/$$/maps']);
    expect(out.code).toBe(0);
    expect(mappedFiles(out.stdout).filter((f) => !f.startsWith(`${b.root}/payload/`))).toEqual([]);
    expect(mappedFiles(out.stdout)).toContain(b.path("/usr/lib/x86_64-linux-gnu/libc.so.6"));
  });

  it("works through a symlink to bin/<name>", () => {
    const link = join(tempDir("link"), "mysort");
    symlinkSync(bin("sort"), link);
    expect(run(link, [], { input: "b\na\n" }).stdout).toBe("a\nb\n");
  });
});

describe("scripts", () => {
  it("runs a script entry through the bundled dash, with its shebang option", () => {
    expect(run(bin("words"), [], { input: "to be or not to be\n" })).toEqual({ code: 0, stdout: "be\nbe\nnot\nor\nto\nto\n", stderr: "" });
  });

  it("finds the commands a script calls in the bundle's bin/", () => {
    expect(run(bin("where")).stdout).toBe(`${bin("tr")}\n${bin("sort")}\n`);
  });
});

describe("the environment of the program and its children", () => {
  const envOf = (text: string) => text.split("\n").filter((line) => line !== "");

  it("sets no library path; prepends bin/ to PATH once and sets SIDEBUNDLE_ROOT", () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: "/usr/bin:/bin" };
    delete env.LD_LIBRARY_PATH;
    // The bundled sh runs the bundled env (a launcher started by a launched program), then the host's.
    const out = run(bin("sh"), ["-c", "env; echo --; /usr/bin/env"], { env });
    expect(out.code).toBe(0);
    const [bundled, host] = out.stdout.split("--\n").map(envOf);
    for (const vars of [bundled!, host!]) {
      expect(vars.filter((v) => v.startsWith("LD_"))).toEqual([]);
      expect(vars).toContain(`PATH=${b.root}/bin:/usr/bin:/bin`);
      expect(vars).toContain(`SIDEBUNDLE_ROOT=${b.root}`);
    }
  });

  it("passes the user's LD_LIBRARY_PATH and LD_PRELOAD through untouched", () => {
    const env = { ...process.env, LD_LIBRARY_PATH: "/nonexistent/lib", LD_PRELOAD: "" };
    const vars = envOf(run(bin("env"), [], { env }).stdout);
    expect(vars).toContain("LD_LIBRARY_PATH=/nonexistent/lib");
    expect(vars).toContain("LD_PRELOAD=");
  });

  it("keeps the user's LD_LIBRARY_PATH from the bundled program itself (--library-path replaces it)", () => {
    const bad = tempDir("badlib");
    writeFileSync(join(bad, "libc.so.6"), "");
    const env = { ...process.env, LD_LIBRARY_PATH: bad };
    expect(run(bin("sort"), [], { input: "b\na\n", env })).toEqual({ code: 0, stdout: "a\nb\n", stderr: "" });
    expect(run(bin("sh"), ["-c", 'echo "$LD_LIBRARY_PATH"'], { env }).stdout).toBe(`${bad}\n`);
  });

  it("uses a default PATH when there is none, and replaces a stale SIDEBUNDLE_ROOT", () => {
    const vars = envOf(run(bin("env"), [], { env: { SIDEBUNDLE_ROOT: "/elsewhere" } }).stdout);
    expect(vars).toEqual([`PATH=${b.root}/bin:/usr/local/bin:/usr/bin:/bin`, `SIDEBUNDLE_ROOT=${b.root}`]);
  });
});

describe("argv[0]", () => {
  it("gives a dynamic program its entry path as argv[0] (the loader's --argv0)", () => {
    expect(run(bin("sh"), ["-c", 'echo "$0"']).stdout).toBe(`${b.path("/bin/sh")}\n`);
  });

  it("passes no --argv0 without an argv0= line (for glibc < 2.33): the program sees its payload path", () => {
    const config = readFileSync(join(b.root, "launch/sh"), "utf8").replace(/^argv0=.*\n/m, "");
    const sh = b.entry("sh-noargv0", config.split("\n").filter(Boolean));
    expect(run(sh, ["-c", 'echo "$0"']).stdout).toBe(`${b.path("/usr/bin/dash")}\n`);
  });

  it("starts a musl program with musl's loader: --argv0, then the config's and the user's arguments", () => {
    const out = run(bin("args"), ["two words", "/abs"]);
    expect(out).toEqual({ code: 0, stdout: `${b.path("/usr/bin/renamed")}\n${b.path("/etc/args.conf")}\n-v\nrel/path\ntwo words\n/abs\n`, stderr: "" });
  });

  it("runs a static multi-call busybox as the applet argv0 names", () => {
    expect(run(bin("ash"), ["-c", 'echo "$0"; echo $((6 * 7))']).stdout).toBe(`${b.path("/bin/sh")}\n42\n`);
    expect(run(bin("echo"), ["hello", "there"]).stdout).toBe("hello there\n");
  });

  it("lets python3 find its prefix and standard library inside the bundle", () => {
    const py = new Bundle(join(tempDir("python"), "R"));
    const python = addPython(py, hostPython);
    const code = "import json, sys; print(json.dumps([sys.executable, sys.prefix, json.__file__, open('/proc/self/maps').read()]))";
    const out = run(python, ["-c", code], { env: { ...process.env, PYTHONHOME: "", PYTHONPATH: "" } });
    expect(out.stderr).toBe("");
    const [executable, prefix, jsonFile, maps] = JSON.parse(out.stdout) as string[];
    expect(mappedFiles(maps!).filter((f) => !f.startsWith(py.path("/")))).toEqual([]);
    expect(executable).toBe(py.path("/usr/bin/python3"));
    expect(prefix).toBe(py.path("/usr"));
    expect(jsonFile!.startsWith(py.path("/usr/lib/"))).toBe(true);
  });
});

describe("launcher errors: one line, exit 127", () => {
  it.each([
    ["none", undefined, /cannot open .*\/launch\/none: No such file or directory/],
    ["noloader", "loader=/lib/ld-gone.so\nprogram=/usr/bin/sort\n", /cannot exec .*\/payload\/lib\/ld-gone\.so: No such file or directory/],
    ["noprogram", "program=/usr/bin/gone\n", /cannot run .*\/payload\/usr\/bin\/gone: No such file or directory/],
    ["programless", "argv0=/bin/x\n", /.*\/launch\/programless: no program= line/],
    ["unknown", "program=/usr/bin/sort\nlibrary_path=/lib\n", /.*\/launch\/unknown:2: unknown key "library_path"/],
    ["blank", "program=/usr/bin/sort\n\n", /.*\/launch\/blank:2: not a key=value line/],
    ["relative", "program=usr/bin/sort\n", /.*:1: program=usr\/bin\/sort: not an absolute path/],
    ["climbing", "program=/usr/../../bin/sort\n", /.*:1: program=\/usr\/\.\.\/\.\.\/bin\/sort: has a "\.\." component/],
    ["twice", "program=/usr/bin/sort\nprogram=/usr/bin/tr\n", /.*:2: program= given twice/],
    ["colon", "library-path=/a:/b\nprogram=/usr/bin/sort\n", /.*:1: library-path=\/a:\/b: contains ':' or ';'/],
  ])("bin/%s", (name, config, message) => {
    copyFileSync(launcher, bin(name));
    if (config !== undefined) writeFileSync(join(b.root, "launch", name), config);
    const out = run(bin(name), ["arg"]);
    expect(out.stderr).toMatch(new RegExp(`^sidebundle-launch: ${message.source}\n$`));
    expect(out).toMatchObject({ code: 127, stdout: "" });
  });
});
