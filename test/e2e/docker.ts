// The real Docker engine the end-to-end tests run against (scripts/engine.sh brings it up),
// and small wrappers over the docker CLI.
import { execFile, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { extract } from "tar-stream";

function dockerHost(): string {
  if (process.env.DOCKER_HOST) return process.env.DOCKER_HOST;
  // Not under scripts/test.sh: bring the engine up (idempotent) rather than skip.
  const out = execFileSync("bash", ["scripts/engine.sh"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return out.trim().split("\n").pop()!;
}

export const env = { ...process.env, DOCKER_HOST: dockerHost(), BUILDX_NO_DEFAULT_ATTESTATIONS: "1" };

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd?: string;
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Of stdout and stderr (latin1 keeps binary output byte for byte); utf8 by default. */
  encoding?: BufferEncoding;
}

/** Runs a program with `input` on its stdin; never throws for a non-zero exit: callers assert on the code. */
export function runProgram(file: string, args: string[], opts: RunOptions & { env: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(file, args, { cwd: opts.cwd, env: opts.env, maxBuffer: 256 << 20, encoding: opts.encoding ?? "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    // A program may exit without reading its input; the pipe's EPIPE is not a failure of ours.
    child.stdin?.on("error", () => {});
    child.stdin?.end(opts.input ?? "");
  });
}

/** Runs docker against the test engine (or opts.env's DOCKER_HOST). */
export function docker(args: string[], opts: RunOptions = {}): Promise<Run> {
  return runProgram("docker", args, { ...opts, env: { ...env, ...opts.env } });
}

/** Like docker() but fails with the command's output when it exits non-zero. */
export async function dockerOk(args: string[], opts: Parameters<typeof docker>[1] = {}): Promise<Run> {
  const run = await docker(args, opts);
  if (run.code !== 0) throw new Error(`docker ${args.join(" ")} exited ${run.code}:\n${run.stderr.slice(-4000)}`);
  return run;
}

export async function requireFrontendImage(): Promise<void> {
  await dockerOk(["image", "inspect", "sidebundle/frontend"]).catch(() => {
    throw new Error("image sidebundle/frontend is missing: run `npm run image` (npm test does)");
  });
}

/**
 * The environment of an engine with the containerd image store (several platforms in one image):
 * the test engine itself when it is one, else scripts/side-engine.sh's `containerd` engine, into
 * which the current frontend image is copied.
 */
export async function containerdEngine(): Promise<NodeJS.ProcessEnv> {
  await requireFrontendImage();
  const engine = await containerdHost();
  // debian:bookworm-slim for linux/amd64, linux/arm64 and linux/386 (built once).
  const base = await runProgram("bash", ["scripts/multiplatform-base.sh"], { env: { ...env, ...engine } });
  if (base.code !== 0) throw new Error(`scripts/multiplatform-base.sh exited ${base.code}:\n${base.stderr.slice(-2000)}`);
  return engine;
}

async function containerdHost(): Promise<NodeJS.ProcessEnv> {
  const driver = await dockerOk(["info", "--format", "{{json .DriverStatus}}"]);
  if (driver.stdout.includes("io.containerd.snapshotter")) return {};
  const out = await runProgram("bash", ["scripts/side-engine.sh", "containerd"], { env });
  if (out.code !== 0) throw new Error(`scripts/side-engine.sh containerd exited ${out.code}:\n${out.stderr.slice(-2000)}`);
  return { DOCKER_HOST: out.stdout.trim().split("\n").pop()! };
}

export interface TarEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  linkname: string;
  sha256: string;
}

/** The entries of a tar file, sorted by name, with content digests. */
export function tarEntries(file: string): Promise<TarEntry[]> {
  return tarStreamEntries(createReadStream(file));
}

/** The entries of a tar stream, sorted by name, with content digests. */
export async function tarStreamEntries(input: Readable): Promise<TarEntry[]> {
  const entries: TarEntry[] = [];
  const ex = extract();
  ex.on("entry", (header, stream, next) => {
    const hash = createHash("sha256");
    stream.on("data", (chunk) => hash.update(chunk as Buffer));
    stream.on("end", () => {
      entries.push({
        name: header.name,
        type: header.type ?? "file",
        mode: header.mode ?? 0,
        uid: header.uid ?? 0,
        gid: header.gid ?? 0,
        linkname: header.linkname ?? "",
        sha256: hash.digest("hex"),
      });
      next();
    });
    stream.resume();
  });
  await new Promise<void>((resolve, reject) => {
    ex.on("finish", resolve);
    ex.on("error", reject);
    input.pipe(ex);
  });
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}
