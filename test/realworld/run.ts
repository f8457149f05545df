// Building and running the real-world cases on the engine DOCKER_HOST names: the shared fat base,
// each case's fat stage and bundle, command-line uses and HTTP requests made from inside the
// server's network namespace (every container has --network none or joins one that has).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { dockerOk, env } from "../e2e/docker.js";
import { BASE_DIR, BASE_TAG, REALWORLD, type CliCase, type CliUse, type Request, type ServerCase } from "./cases.js";

export interface Output {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs docker with binary stdin and stdout; never throws for a non-zero exit. */
export function dockerBytes(args: string[], stdin: string | Buffer = ""): Promise<Output> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", args, { env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.on("error", () => {});
    child.stdin.end(stdin);
  });
}

export async function buildBase(): Promise<void> {
  await dockerOk(["buildx", "build", "--quiet", "--tag", BASE_TAG, BASE_DIR]);
}

/** Builds a case's bundle (the Dockerfile's last stage) or its fat stage (`build`); returns the tag. */
export async function buildCase(name: string, fat: boolean): Promise<string> {
  const tag = `sidebundle-realworld/${name}:${fat ? "fat" : "bundle"}`;
  const args = ["buildx", "build", "--progress=plain", "--tag", tag, ...(fat ? ["--target", "build"] : []), join(REALWORLD, name)];
  const out = await dockerBytes(args);
  if (out.code === 0) return tag;
  // The failed step's own output and BuildKit's error line, not the whole progress.
  const lines = out.stderr.split("\n").filter((l) => /^#\d+ \d+\.\d+ |^ERROR/.test(l));
  throw new Error(`building ${name}'s ${fat ? "fat stage" : "bundle"} failed:\n${lines.slice(-12).join("\n")}`);
}

export async function imageSize(tag: string): Promise<number> {
  return Number((await dockerOk(["image", "inspect", "--format", "{{.Size}}", tag])).stdout.trim());
}

/** `docker run` arguments after `run` for one use of a command-line case. */
function useArgs(tag: string, c: CliCase, use: CliUse, network: string): string[] {
  const [exe, ...rest] = c.entrypoint;
  const envArgs = Object.entries(use.env ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  return ["-i", "--network", network, ...envArgs, "--entrypoint", exe, tag, ...rest, ...use.args];
}

/**
 * One use of a command-line case, offline, or in the network namespace of container `network`.
 * A run that printed nothing at all is run once more: on a loaded engine the attach once missed
 * a short-lived container's output. A program that really prints nothing does so twice.
 */
export async function runUse(tag: string, c: CliCase, use: CliUse, network = "none"): Promise<Output> {
  const once = () => dockerBytes(["run", "--rm", ...useArgs(tag, c, use, network)], use.stdin);
  const first = await once();
  return first.stdout.length + first.stderr.length > 0 ? first : once();
}

/** Nanoseconds since the epoch of an RFC 3339 time with up to nanosecond digits, as Docker prints it. */
function epochNs(time: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time.trim());
  if (!m) throw new Error(`not an RFC 3339 UTC time: ${time}`);
  return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/** How long the use's process ran (Docker's start and exit times of the container), and its output. */
export async function timeUse(tag: string, c: CliCase, use: CliUse, network = "none"): Promise<{ ms: number; out: Output }> {
  const name = `sb-realworld-${process.pid}-${Date.now()}`;
  const out = await dockerBytes(["run", "--name", name, ...useArgs(tag, c, use, network)], use.stdin);
  try {
    const [started, finished] = (await run(["inspect", "--format", "{{.State.StartedAt}} {{.State.FinishedAt}}", name])).split(" ");
    return { ms: Number(epochNs(finished) - epochNs(started)) / 1e6, out };
  } finally {
    await dockerBytes(["rm", "-f", name]);
  }
}

/** How a use is named in a comparison: its environment, program and arguments. */
export function label(c: CliCase, use: CliUse): string {
  const env = Object.entries(use.env ?? {}).map(([k, v]) => `${k}=${v}`);
  return [...env, c.entrypoint[c.entrypoint.length - 1].replace(/.*\//, ""), ...use.args].join(" ");
}

/** What a use printed, for comparison: short text (normalized) as is, else its length and sha256. */
export function printed(c: CliCase, out: Output): string {
  const text = out.stdout.toString("utf8");
  const utf8 = Buffer.from(text, "utf8").equals(out.stdout);
  const shown = c.normalize && utf8 ? c.normalize(text) : text;
  if (utf8 && shown.length <= 1500) return shown;
  const digest = createHash("sha256").update(utf8 ? shown : out.stdout).digest("hex");
  return `${utf8 ? `${shown.slice(0, 80)}… ` : ""}${out.stdout.length} bytes, sha256 ${digest}`;
}

async function run(args: string[]): Promise<string> {
  return (await dockerOk(args)).stdout.trim();
}

/**
 * Waits until something answers HTTP on the port, from inside container `probe`, polling every
 * 20 ms for 30 s; returns the time of the first answer (ns since the epoch), or null.
 */
async function answered(probe: string, port: number): Promise<bigint | null> {
  const poll = `curl -s -o /dev/null http://127.0.0.1:${port}/ && exec date +%s%N`;
  const loop = `end=$(($(date +%s) + 30)); while [ "$(date +%s)" -lt "$end" ]; do ${poll}; sleep 0.02; done; exit 1`;
  const out = await dockerBytes(["exec", probe, "sh", "-c", loop]);
  return out.code === 0 ? BigInt(out.stdout.toString().trim()) : null;
}

export interface Running {
  probe: string;
  server: string;
  /** From the start of the server's process to its first HTTP answer. */
  firstResponseMs?: number;
  /** The server's own output when it did not answer. */
  failure?: string;
}

/**
 * Starts a server image beside a probe container (the fat base, offline, with curl): the server
 * joins the probe's network namespace, so requests never leave the pair.
 */
export async function startServer(tag: string, command: string[], port: number): Promise<Running> {
  const probe = await run(["run", "-d", "--network", "none", "--entrypoint", "sleep", BASE_TAG, "infinity"]);
  const [exe, ...rest] = command;
  const server = await run(["run", "-d", "--network", `container:${probe}`, "--entrypoint", exe, tag, ...rest]);
  const answer = await answered(probe, port);
  const started = epochNs(await run(["inspect", "--format", "{{.State.StartedAt}}", server]));
  if (answer !== null) return { probe, server, firstResponseMs: Number(answer - started) / 1e6 };
  const logs = await dockerBytes(["logs", server]);
  return { probe, server, failure: `${logs.stdout}${logs.stderr}`.trim().slice(-2000) || "no output" };
}

export async function stopServer(r: Running): Promise<void> {
  await dockerBytes(["rm", "-f", r.server, r.probe]);
}

/** A request's status, the listed headers and the (normalized) body. */
export async function request(r: Running, c: ServerCase, req: Request): Promise<string> {
  const method = req.method === "HEAD" ? ["-I"] : req.method === "POST" ? ["-X", "POST", "-d", "x=1"] : [];
  const out = (await dockerBytes(["exec", r.probe, "curl", "-s", "-i", ...method, `http://127.0.0.1:${c.port}${req.path}`])).stdout.toString();
  const [head, ...body] = out.split("\r\n\r\n");
  const [status, ...lines] = head.split("\r\n");
  const wanted = new Set(req.headers ?? []);
  const headers = lines.filter((l) => wanted.has(l.slice(0, l.indexOf(":")).toLowerCase()));
  const text = body.join("\r\n\r\n");
  return [status.split(" ")[1] ?? "no answer", ...headers, c.normalize ? c.normalize(text) : text].join("\n");
}
