// computeClosure on the cached Debian rootfs: scripts, trace filtering, runtime-data rules,
// GPU filter, include/exclude, and ranged ELF reads.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readElf } from "../../frontend/closure/elf.js";
import { computeClosure, describeWarning, HostFS, isUnresolved, parseTrace, type Plan, type RootFS } from "../../frontend/closure/index.js";
import { CountingFS, OverlayFS, paths, reasonsOf } from "./helpers.js";
import { debianRootfs } from "./rootfs.js";

let root: string;
let host: RootFS;

beforeAll(() => {
  root = debianRootfs();
  host = new HostFS(root);
});

const trace = (events: object[]) => parseTrace(events.map((e) => JSON.stringify(e)).join("\n"));

describe("scripts", () => {
  const fs = () =>
    new OverlayFS(host, {
      "/app/tool": { file: "#!/usr/bin/env -S perl -w\nprint 1;\n" },
      "/app/run.sh": { file: '#!/bin/sh\nset -e\nif [ -n "$1" ]; then\n  sqlite3 --version | grep 3\nfi\nexec python3 -c pass # not: curl\n' },
    });

  it("follows env -S to the command on PATH and keeps the interpreter", async () => {
    const plan = await computeClosure(fs(), { entries: ["/app/tool"] });
    expect(reasonsOf(plan, "/usr/bin/env")).toEqual(["shebang of /app/tool"]);
    expect(reasonsOf(plan, "/usr/bin/perl")).toEqual(["env command of /app/tool"]);
    expect(reasonsOf(plan, "/usr/lib/x86_64-linux-gnu/libcrypt.so.1")).toEqual(["elf-needed libcrypt.so.1 by /usr/bin/perl"]);
  });

  it("adds the commands a shell script plainly runs, not words in comments", async () => {
    const plan = await computeClosure(fs(), { entries: ["/app/run.sh"] });
    expect(reasonsOf(plan, "/usr/bin/sqlite3")).toEqual(["command in script /app/run.sh"]);
    expect(reasonsOf(plan, "/usr/bin/grep")).toEqual(["command in script /app/run.sh"]);
    expect(reasonsOf(plan, "/usr/bin/dash")).toEqual(["shebang of /app/run.sh"]);
    expect(reasonsOf(plan, "/usr/bin/python3.11")).toEqual(["command in script /app/run.sh"]);
    expect(paths(plan)).not.toContain("/usr/bin/curl");
    expect(paths(plan)).not.toContain("/usr/bin/set");
  });

  it("keeps a versioned symlink chain as symlinks and resolves bare entries on PATH", async () => {
    const plan = await computeClosure(host, { entries: ["python3"] });
    expect(plan.entries.find((e) => e.path === "/usr/bin/python3")).toEqual({ kind: "symlink", path: "/usr/bin/python3", target: "python3.11", reasons: [{ kind: "entry" }] });
    expect(plan.entries.find((e) => e.path === "/usr/lib/x86_64-linux-gnu/libz.so.1")).toMatchObject({ kind: "symlink", target: "libz.so.1.2.13" });
    expect(plan.entries.find((e) => e.path === "/lib")).toMatchObject({ kind: "symlink", target: "usr/lib" });
  });
});

describe("trace", () => {
  const events = [
    { type: "exec", pid: 10, ppid: 1, exe: "/usr/bin/dash", syscall: "execve", path: "/bin/sh", abs: "/bin/sh", argv: ["sh", "-c", "curl x; python3 -c 1"], result: 0 },
    { type: "spawn", pid: 11, ppid: 10, exe: "/usr/bin/dash", kind: "fork" },
    { type: "exec", pid: 11, ppid: 10, exe: "/usr/bin/dash", syscall: "execve", path: "/usr/bin/curl", abs: "/usr/bin/curl", argv: ["curl"], result: 0 },
    { type: "file", pid: 11, ppid: 10, exe: "/usr/bin/curl", syscall: "openat", path: "/etc/hostname", abs: "/etc/hostname", flags: 0, result: 3 },
    { type: "spawn", pid: 12, ppid: 10, exe: "/usr/bin/dash", kind: "fork" },
    { type: "exec", pid: 12, ppid: 10, exe: "/usr/bin/dash", syscall: "execve", path: "/usr/bin/python3", abs: "/usr/bin/python3", argv: ["python3"], result: 0 },
    { type: "spawn", pid: 13, ppid: 12, exe: "/usr/bin/python3.11", kind: "thread", tgid: 12 },
    { type: "file", pid: 13, ppid: 12, exe: "/usr/bin/python3.11", syscall: "openat", path: "json/__init__.py", abs: "/usr/lib/python3.11/json/__init__.py", flags: 0, result: 3 },
    { type: "file", pid: 12, ppid: 10, exe: "/usr/bin/python3.11", syscall: "getdents64", path: "/usr/lib/python3.11/json", abs: "/usr/lib/python3.11/json", result: 0 },
    { type: "file", pid: 12, ppid: 10, exe: "/usr/bin/python3.11", syscall: "openat", path: "x", abs: "/usr/lib/python3.11/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so", flags: 0, result: 3 },
    { type: "file", pid: 12, ppid: 10, exe: "/usr/bin/python3.11", syscall: "newfstatat", path: "/etc/mime.types", abs: "/etc/mime.types", flags: 0, result: -2, errno: "ENOENT" },
    { type: "file", pid: 12, ppid: 10, exe: "/usr/bin/python3.11", syscall: "openat", path: "/proc/self/maps", abs: "/proc/self/maps", flags: 0, result: 3 },
    { type: "file", pid: 12, ppid: 10, exe: "/usr/bin/python3.11", syscall: "openat", path: "/tmp/new", abs: "/tmp/new", flags: 0o101, result: 3 },
    { type: "exit", pid: 12, code: 0 },
    { type: "end", status: 0, timedOut: false, rootPid: 10 },
  ];

  it("counts only the entry's process tree, from its exec on", async () => {
    const plan = await computeClosure(host, { entries: ["/usr/bin/python3"], trace: trace(events) });
    expect(reasonsOf(plan, "/usr/lib/python3.11/json/__init__.py")).toContain("trace: openat by /usr/bin/python3.11");
    expect(reasonsOf(plan, "/usr/lib/python3.11/json")).toEqual(["trace: getdents64 by /usr/bin/python3.11"]);
    expect(plan.entries.find((e) => e.path === "/usr/lib/python3.11/json")?.kind).toBe("dir");
    expect(paths(plan)).not.toContain("/usr/bin/curl");
    expect(paths(plan)).not.toContain("/etc/hostname");
    expect(paths(plan)).not.toContain("/usr/bin/dash");
    expect(paths(plan).filter((p) => /^\/(proc|tmp)\//.test(p))).toEqual([]);
  });

  it("gives a dlopen'ed ELF file its own closure", async () => {
    const plan = await computeClosure(host, { entries: ["/usr/bin/python3"], trace: trace(events) });
    // _json needs only libc; a module that needs more shows its closure:
    const withSsl = trace([...events.slice(0, 9), { ...events[9], abs: "/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so" }]);
    const sslPlan = await computeClosure(host, { entries: ["/usr/bin/python3"], trace: withSsl });
    expect(reasonsOf(sslPlan, "/usr/lib/x86_64-linux-gnu/libssl.so.3")).toEqual(["elf-needed libssl.so.3 by /usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so"]);
    expect(paths(plan)).not.toContain("/usr/lib/x86_64-linux-gnu/libssl.so.3");
  });

  it("counts every process with wholeTrace", async () => {
    const plan = await computeClosure(host, { entries: ["/usr/bin/python3"], trace: trace(events), wholeTrace: true });
    expect(paths(plan)).toContain("/usr/bin/curl");
    expect(paths(plan)).toContain("/etc/hostname");
  });
});

describe("runtime-data rules", () => {
  it("nss: nsswitch.conf's modules with their closure, and the user and group databases", async () => {
    const plan = await computeClosure(host, { entries: ["/usr/bin/id"] });
    expect(reasonsOf(plan, "/usr/lib/x86_64-linux-gnu/libnss_mdns4_minimal.so.2")).toEqual(["rule: nss"]);
    for (const file of ["/etc/nsswitch.conf", "/etc/passwd", "/etc/group"]) expect(reasonsOf(plan, file)).toEqual(["rule: nss"]);
    expect(paths(plan)).not.toContain("/usr/lib/x86_64-linux-gnu/libnss_files.so.2");
  });

  it("tls: CA bundle, OpenSSL config and providers when libssl is in the closure, not otherwise", async () => {
    const plan = await computeClosure(host, { entries: ["/usr/bin/openssl"] });
    for (const file of ["/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/openssl.cnf", "/usr/lib/x86_64-linux-gnu/ossl-modules/legacy.so"]) {
      expect(reasonsOf(plan, file)).toEqual(["rule: tls"]);
    }
    expect(plan.entries.find((e) => e.path === "/usr/lib/ssl/openssl.cnf")).toMatchObject({ kind: "symlink", target: "/etc/ssl/openssl.cnf" });
    expect(paths(await computeClosure(host, { entries: ["/usr/bin/id"] }))).not.toContain("/etc/ssl/certs/ca-certificates.crt");
  });

  const touched = (abs: string) =>
    trace([
      { type: "exec", pid: 5, ppid: 1, exe: "/usr/bin/dash", syscall: "execve", path: "/usr/bin/ls", abs: "/usr/bin/ls", argv: ["ls"], result: 0 },
      { type: "file", pid: 5, ppid: 1, exe: "/usr/bin/ls", syscall: "openat", path: abs, abs, flags: 0, result: -2, errno: "ENOENT" },
    ]);

  it("gconv: every module and the configuration when the trace loaded a module", async () => {
    const plan = await computeClosure(host, { entries: ["/usr/bin/ls"], trace: touched("/usr/lib/x86_64-linux-gnu/gconv/ISO8859-2.so") });
    expect(reasonsOf(plan, "/usr/lib/x86_64-linux-gnu/gconv/UTF-16.so")).toEqual(["rule: gconv"]);
    expect(reasonsOf(plan, "/usr/lib/x86_64-linux-gnu/gconv/gconv-modules")).toEqual(["rule: gconv"]);
    expect(reasonsOf(plan, "/usr/lib/x86_64-linux-gnu/gconv/libJIS.so")).toContain("elf-needed libJIS.so by /usr/lib/x86_64-linux-gnu/gconv/EUC-JP.so");
    const cacheOnly = await computeClosure(host, { entries: ["/usr/bin/ls"], trace: touched("/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache") });
    expect(paths(cacheOnly)).not.toContain("/usr/lib/x86_64-linux-gnu/gconv/UTF-16.so");
  });

  it("locale: the archive, and the traced text domain in every language", async () => {
    const plan = await computeClosure(host, { entries: ["/usr/bin/ls"], trace: touched("/usr/share/locale/en/LC_MESSAGES/coreutils.mo") });
    expect(reasonsOf(plan, "/usr/lib/locale/locale-archive")).toEqual(["rule: locale"]);
    expect(reasonsOf(plan, "/usr/share/locale/de/LC_MESSAGES/coreutils.mo")).toEqual(["rule: locale"]);
    expect(paths(plan)).not.toContain("/usr/share/locale/de/LC_MESSAGES/dpkg.mo");
  });

  it("gpu: GL, DRM, VA-API and Vulkan libraries the closure needs are ordinary dependencies", async () => {
    const plan = await computeClosure(host, { entries: ["/usr/bin/ffmpeg"] });
    for (const name of ["libdrm.so.2", "libGL.so.1", "libva.so.2", "libvulkan.so.1", "libSDL2-2.0.so.0"]) {
      expect(paths(plan)).toContain(`/usr/lib/x86_64-linux-gnu/${name}`);
    }
    expect(reasonsOf(plan, "/usr/lib/x86_64-linux-gnu/libdrm.so.2")).toContain("elf-needed libdrm.so.2 by /lib/x86_64-linux-gnu/libavdevice.so.59");
    expect(plan.warnings).toEqual([]);
  });

  // The NVIDIA driver as a GPU runtime injects it: libcuda.so.1 -> libcuda.so.535.104.05, and a
  // program linked against it (both built here with the host's gcc, added over the rootfs).
  const lib = "/usr/lib/x86_64-linux-gnu";
  const cuda = () => {
    const dir = mkdtempSync(`${tmpdir()}/closure-cuda-`);
    writeFileSync(`${dir}/cuda.c`, "int cuInit(unsigned flags) { return (int)flags; }\n");
    writeFileSync(`${dir}/probe.c`, "int cuInit(unsigned); int main(void) { return cuInit(0); }\n");
    execFileSync("gcc", ["-shared", "-fPIC", "-Wl,-soname,libcuda.so.1", "-o", `${dir}/libcuda.so.535.104.05`, `${dir}/cuda.c`]);
    execFileSync("gcc", ["-o", `${dir}/cuda-probe`, `${dir}/probe.c`, `${dir}/libcuda.so.535.104.05`]);
    return new OverlayFS(host, {
      "/usr/bin/cuda-probe": { file: readFileSync(`${dir}/cuda-probe`) },
      [`${lib}/libcuda.so.535.104.05`]: { file: readFileSync(`${dir}/libcuda.so.535.104.05`) },
      [`${lib}/libcuda.so.1`]: { symlink: "libcuda.so.535.104.05" },
    });
  };
  const cudaFiles = (plan: Plan) => paths(plan).filter((p) => p.includes("libcuda"));

  it("gpu: a library the GPU runtime injects is left out, link and file, with a warning naming --allow-gpu-libs", async () => {
    const fs = cuda();
    const plan = await computeClosure(fs, { entries: ["/usr/bin/cuda-probe"] });
    expect(cudaFiles(plan)).toEqual([]);
    expect(plan.warnings).toEqual([{ kind: "host-gpu-library", path: "/lib/x86_64-linux-gnu/libcuda.so.1", reasons: [{ kind: "needed", name: "libcuda.so.1", by: "/usr/bin/cuda-probe" }] }]);
    expect(describeWarning(plan.warnings[0]!)).toBe(
      "left out /lib/x86_64-linux-gnu/libcuda.so.1 (elf-needed libcuda.so.1 by /usr/bin/cuda-probe): a GPU container runtime injects it from the host; keep it with --allow-gpu-libs",
    );
    const allowed = await computeClosure(fs, { entries: ["/usr/bin/cuda-probe"], allowGpuLibs: true });
    expect(cudaFiles(allowed)).toEqual([`${lib}/libcuda.so.1`, `${lib}/libcuda.so.535.104.05`]);
  });

  it("gpu: what the trace saw of it is left out too (ffmpeg dlopens libcuda.so.1 for CUDA decoding)", async () => {
    const fs = cuda();
    const seen = trace([
      { type: "exec", pid: 5, ppid: 1, exe: "/usr/bin/dash", syscall: "execve", path: "/usr/bin/ffmpeg", abs: "/usr/bin/ffmpeg", argv: ["ffmpeg"], result: 0 },
      { type: "file", pid: 5, ppid: 1, exe: "/usr/bin/ffmpeg", syscall: "openat", path: "libcuda.so.1", abs: `${lib}/libcuda.so.1`, flags: 0, result: 3 },
      { type: "file", pid: 5, ppid: 1, exe: "/usr/bin/ffmpeg", syscall: "newfstatat", path: "x", abs: `${lib}/libcuda.so.535.104.05`, flags: 0, result: 0 },
    ]);
    const plan = await computeClosure(fs, { entries: ["/usr/bin/ffmpeg"], trace: seen });
    expect(cudaFiles(plan)).toEqual([]);
    expect(plan.warnings.map(describeWarning)).toEqual([
      `left out ${lib}/libcuda.so.1 (trace: openat by /usr/bin/ffmpeg): a GPU container runtime injects it from the host; keep it with --allow-gpu-libs`,
      `left out ${lib}/libcuda.so.535.104.05 (trace: newfstatat by /usr/bin/ffmpeg): a GPU container runtime injects it from the host; keep it with --allow-gpu-libs`,
    ]);
    const allowed = await computeClosure(fs, { entries: ["/usr/bin/ffmpeg"], trace: seen, allowGpuLibs: true });
    expect(cudaFiles(allowed)).toEqual([`${lib}/libcuda.so.1`, `${lib}/libcuda.so.535.104.05`]);
  });
});

describe("include and exclude", () => {
  it("adds matches of --include with their ELF closure and drops --exclude matches", async () => {
    const plan = await computeClosure(host, {
      entries: ["/usr/bin/true"],
      include: ["/usr/lib/x86_64-linux-gnu/libsqlite3.so.*", "usr/share/perl5/Debian/*.pm", "/usr/lib/x86_64-linux-gnu/libxml2.so.2"],
      exclude: ["**/libm.so*"],
    });
    expect(reasonsOf(plan, "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0.8.6")).toEqual(["include: /usr/lib/x86_64-linux-gnu/libsqlite3.so.*"]);
    expect(reasonsOf(plan, "/usr/lib/x86_64-linux-gnu/libz.so.1")).toEqual(["elf-needed libz.so.1 by /usr/lib/x86_64-linux-gnu/libxml2.so.2"]);
    expect(paths(plan).filter((p) => p.includes("libm.so"))).toEqual([]);
    expect(reasonsOf(plan, "/usr/share/perl5/Debian/AdduserCommon.pm")).toEqual(["include: usr/share/perl5/Debian/*.pm"]);
    const parents = plan.entries.filter((e) => e.path === "/usr/share/perl5/Debian");
    expect(parents).toEqual([{ kind: "dir", path: "/usr/share/perl5/Debian", mode: 0o755, reasons: [{ kind: "parent" }] }]);
  });
});

describe("nothing dropped silently", () => {
  it("an --include or --exclude directory means its whole tree", async () => {
    const debconf = "/usr/share/perl5/Debian/DebConf/Client/ConfModule.pm";
    const included = await computeClosure(host, { entries: ["/usr/bin/true"], include: ["/usr/share/perl5/Debian"] });
    expect(reasonsOf(included, debconf)).toEqual(["include: /usr/share/perl5/Debian"]);
    expect(reasonsOf(included, "/usr/share/perl5/Debian/AdduserCommon.pm")).toEqual(["include: /usr/share/perl5/Debian"]);
    const excluded = await computeClosure(host, { entries: ["/usr/bin/true"], include: ["/usr/share/perl5/Debian"], exclude: ["/usr/share/perl5/Debian/DebConf"] });
    expect(paths(excluded).filter((p) => p.includes("DebConf"))).toEqual([]);
    expect(paths(excluded)).toContain("/usr/share/perl5/Debian/AdduserCommon.pm");
  });

  it("an --include that matches nothing is a warning", async () => {
    const plan = await computeClosure(host, { entries: ["/usr/bin/true"], include: ["/opt/none/*.so", "/etc/no-such-file"] });
    expect(plan.warnings.map(describeWarning)).toEqual(expect.arrayContaining(["--include=/opt/none/*.so matches nothing in the source", "--include=/etc/no-such-file matches nothing in the source"]));
  });

  it("file names that are not UTF-8, escaped by the tracer, are found and listed as the tracer wrote them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-names-"));
    mkdirSync(join(dir, "usr/bin"), { recursive: true });
    copyFileSync("/usr/bin/true", join(dir, "usr/bin/true"));
    mkdirSync(Buffer.from(`${dir}/d\xe9r`, "latin1"));
    writeFileSync(Buffer.from(`${dir}/caf\xe9.txt`, "latin1"), "x");
    writeFileSync(Buffer.from(`${dir}/d\xe9r/x\xff.txt`, "latin1"), "y");
    const log = [
      '{"type":"exec","pid":2,"ppid":1,"exe":"/bin/sh","syscall":"execve","path":"/usr/bin/true","abs":"/usr/bin/true","argv":["true"],"result":0}',
      '{"type":"file","pid":2,"ppid":1,"exe":"/usr/bin/true","syscall":"openat","path":"/caf\\udce9.txt","abs":"/caf\\udce9.txt","flags":0,"result":3}',
    ].join("\n");
    const plan = await computeClosure(new HostFS(dir), { entries: ["/usr/bin/true"], trace: parseTrace(log), include: ["/d*r"] });
    expect(paths(plan)).toEqual(expect.arrayContaining(["/caf\udce9.txt", "/d\udce9r", "/d\udce9r/x\udcff.txt"]));
    expect(reasonsOf(plan, "/caf\udce9.txt")).toEqual(["trace: openat by /usr/bin/true"]);
  });

  it("excluding an entry is an error", async () => {
    await expect(computeClosure(host, { entries: ["/usr/bin/ls"], exclude: ["/usr/bin/ls"] })).rejects.toThrow("--exclude=/usr/bin/ls removes the entry /usr/bin/ls");
    await expect(computeClosure(host, { entries: ["ls"], exclude: ["/usr/bin"] })).rejects.toThrow("--exclude=/usr/bin removes the entry /usr/bin/ls");
  });

  it("excluding what the programs need is an unresolved dependency that names what needs it", async () => {
    const plan = await computeClosure(host, { entries: ["/usr/bin/ls"], exclude: ["**/libc.so.6", "/lib64"] });
    expect(paths(plan).filter((p) => p.endsWith("libc.so.6") || p.startsWith("/lib64"))).toEqual([]);
    expect(plan.warnings.every(isUnresolved)).toBe(true);
    expect(plan.warnings.map(describeWarning)).toEqual(
      expect.arrayContaining([
        "unresolved: /lib64 (interpreter of /usr/bin/ls) is removed by --exclude=/lib64",
        expect.stringMatching(/^unresolved: \/usr\/lib\/x86_64-linux-gnu\/libc\.so\.6 \(elf-needed libc\.so\.6 by .*\) is removed by --exclude=\*\*\/libc\.so\.6$/),
      ]),
    );
  });
});

describe("ranged ELF reads", () => {
  it("reads a few kilobytes of a 117 MB library and gets what readelf gets", async () => {
    const counting = new CountingFS(host);
    const elf = await readElf(counting, "/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1");
    const readelf = execFileSync("readelf", ["--dynamic", `${root}/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1`], { encoding: "utf8" });
    const needed = [...readelf.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    expect(elf?.needed).toEqual(needed);
    expect(elf?.soname).toBe("libLLVM-15.so.1");
    expect(counting.wholeReads).toEqual([]);
    expect(counting.bytesRead).toBeLessThan(32 * 1024);
  });

  it("never reads a library whole while planning python3", async () => {
    const counting = new CountingFS(host);
    await computeClosure(counting, { entries: ["/usr/bin/python3"] });
    expect(counting.wholeReads.filter((path) => /\.so(\.\d+)*$/.test(path))).toEqual([]);
    expect(counting.wholeReads).toContain("/etc/ld.so.conf");
  });
});
