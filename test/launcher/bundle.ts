// Portable bundles put together by hand from this machine's own files (Debian bookworm), laid out
// as the frontend lays them out (tracer-static/README.md), to test sidebundle-launch and
// sidebundle-pack without the frontend.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Run } from "../e2e/docker.js";
import { distDir, tempDir } from "../tracer/helpers.js";

export const launcher = join(distDir, "sidebundle-launch");
export const packer = join(distDir, "sidebundle-pack");

const LOADER = "/lib64/ld-linux-x86-64.so.2";
/** Where Debian keeps the loader; the payload's /lib64 reaches it through relative links. */
const LOADER_FILE = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
const LOADER_LINK = "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
/** musl's loader is its libc.so, reached by a relative link (Debian's musl package). */
const MUSL_LOADER = "/lib/ld-musl-x86_64.so.1";
/** The merged-/usr links of the host, kept as (relative) links in the payload. */
const USR_MERGE: Record<string, string> = { bin: "usr/bin", lib: "usr/lib", lib64: "usr/lib64" };

export class Bundle {
  constructor(readonly root: string) {
    const payload = join(root, "payload");
    mkdirSync(join(payload, "usr/lib64"), { recursive: true });
    for (const [name, target] of Object.entries(USR_MERGE)) symlinkSync(target, join(payload, name));
    this.copy(LOADER_FILE);
    symlinkSync(LOADER_LINK, join(payload, LOADER));
    mkdirSync(join(root, "bin"));
    mkdirSync(join(root, "launch"));
  }

  /** The file's path in the bundle. */
  path(payloadPath: string): string {
    return join(this.root, "payload", payloadPath);
  }

  /** Copies a host file (followed to its real path) to the same path in the payload, mode kept. */
  copy(hostPath: string): string {
    const real = realpathSync(hostPath);
    mkdirSync(dirname(this.path(real)), { recursive: true });
    copyFileSync(real, this.path(real));
    return real;
  }

  /** A library as ldd names it: the file, and the soname link to it (libz.so.1 -> libz.so.1.2.13). */
  private library(path: string): void {
    const real = this.copy(path);
    const dir = realpathSync(dirname(path));
    if (join(dir, basename(path)) !== real && !existsSync(this.path(path))) this.link(path, relative(dir, real));
  }

  /** Writes a payload file, e.g. a script. */
  write(payloadPath: string, text: string, mode = 0o755): void {
    mkdirSync(dirname(this.path(payloadPath)), { recursive: true });
    writeFileSync(this.path(payloadPath), text, { mode });
  }

  link(payloadPath: string, target: string): void {
    symlinkSync(target, this.path(payloadPath));
  }

  /** A dynamically linked host program with the libraries ldd lists: its launcher config lines. */
  elf(hostPath: string, argv0 = hostPath): string[] {
    const ldd = spawnSync("ldd", [hostPath], { encoding: "utf8" });
    if (ldd.status !== 0) throw new Error(`ldd ${hostPath}: ${ldd.stderr}`);
    const libs = [...ldd.stdout.matchAll(/=> (\/\S+)/g)].map((m) => m[1]!);
    for (const lib of libs) this.library(lib);
    const dirs = [...new Set(libs.map((lib) => dirname(lib)))];
    const program = this.copy(hostPath);
    return [`loader=${LOADER}`, ...dirs.map((d) => `library-path=${d}`), `program=${program}`, `argv0=${argv0}`];
  }

  /** A C program built here with musl-gcc, dynamically linked: its launcher config lines. */
  musl(source: string, payloadPath: string, argv0: string): string[] {
    const exe = join(tempDir("musl"), "a.out");
    execFileSync("musl-gcc", ["-O1", "-Wall", "-Werror", "-o", exe, source]);
    mkdirSync(dirname(this.path(payloadPath)), { recursive: true });
    copyFileSync(exe, this.path(payloadPath));
    const libc = this.copy(MUSL_LOADER);
    this.link(MUSL_LOADER, readlinkSync(MUSL_LOADER));
    return [`loader=${MUSL_LOADER}`, `library-path=${dirname(libc)}`, `program=${payloadPath}`, `argv0=${argv0}`];
  }

  /** bin/<name>, a copy of the launcher, and launch/<name> with these lines. */
  entry(name: string, config: string[]): string {
    copyFileSync(launcher, join(this.root, "bin", name));
    writeFileSync(join(this.root, "launch", name), config.map((line) => `${line}\n`).join(""));
    return join(this.root, "bin", name);
  }
}

/** The host's python3 (python3.X with /usr/lib/python3.X), when it has one. */
/** Debian's python3 (scripts/apt-packages.txt installs it). */
export const hostPython = realpathSync("/usr/bin/python3");

/**
 * sort, tr, env and dash (as sh) entries; `words`, a `#!/bin/sh -e` script calling tr and sort;
 * `where`, a script printing where tr and sort are found; the static busybox as `ash` and `echo`;
 * `args`, a musl program printing its argv, with arguments before the user's.
 */
export function toolsBundle(): Bundle {
  const b = new Bundle(join(tempDir("launcher"), "R"));
  for (const tool of ["sort", "tr", "env"]) b.entry(tool, b.elf(`/usr/bin/${tool}`));
  b.link("/usr/bin/sh", "dash");
  const dash = b.elf("/usr/bin/dash", "/bin/sh");
  b.entry("sh", dash);
  b.write("/usr/local/bin/words", "#!/bin/sh -e\n# The words of stdin, one a line, sorted.\ntr -s ' ' '\\n' | sort\n");
  b.entry("words", [...dash, "arg=-e", "arg=/usr/local/bin/words"]);
  b.write("/usr/local/bin/where", "#!/bin/sh\ncommand -v tr; command -v sort\n");
  b.entry("where", [...dash, "arg=/usr/local/bin/where"]);
  const busybox = b.copy("/bin/busybox");
  b.entry("ash", [`program=${busybox}`, "argv0=/bin/sh"]);
  b.entry("echo", [`program=${busybox}`, "argv0=/bin/echo"]);
  const args = b.musl(fileURLToPath(new URL("programs/args.c", import.meta.url)), "/usr/local/bin/args", "/usr/bin/renamed");
  b.entry("args", [...args, "arg=/etc/args.conf", "arg=-v", "arg=rel/path"]);
  return b;
}

/** toolsBundle() with the host's python3, its payload deduplicated by sidebundle-pack. */
export function packedToolsBundle(): Bundle {
  const b = toolsBundle();
  addPython(b, hostPython);
  const packed = run(packer, [b.root, packList(b, payloadFiles(b))]);
  if (packed.code !== 0) throw new Error(packed.stderr);
  return b;
}

/** Adds python3 (as Debian lays it out: /usr/bin/python3 -> python3.X) and its standard library. */
export function addPython(b: Bundle, python: string): string {
  const lib = `/usr/lib/${basename(python)}`;
  cpSync(lib, b.path(lib), { recursive: true, verbatimSymlinks: true });
  const config = b.elf(python, "/usr/bin/python3");
  b.link("/usr/bin/python3", basename(python));
  return b.entry("python3", config);
}

export const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** The payload paths of the bundle's regular files. */
export function payloadFiles(b: Bundle): string[] {
  const payload = join(b.root, "payload");
  const files = readdirSync(payload, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return files.map((e) => `/${relative(payload, join(e.parentPath, e.name))}`);
}

/** Writes sidebundle-pack's LIST for these payload paths, hashed as the frontend hashes them. */
export function packList(b: Bundle, paths: string[], name = "pack.list"): string {
  const file = join(b.root, name);
  writeFileSync(file, paths.map((p) => `${sha256(b.path(p))} ${p}\n`).join(""));
  return file;
}

/** Runs a file; never throws for a non-zero exit: callers assert on the code. */
export function run(file: string, args: string[] = [], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const r = spawnSync(file, args, { input: opts.input ?? "", cwd: opts.cwd, env: opts.env ?? process.env, encoding: "utf8" });
  if (r.error) throw r.error;
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}
