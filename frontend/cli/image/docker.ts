// The Docker engine, through the docker CLI and DOCKER_HOST as the user has them: only for what
// the image files cannot give (saving an image by name, running a --trace in a container).
import { spawn, spawnSync } from "node:child_process";

const PROBE_MS = 20_000;

/** Whether `docker` reaches an engine, and if not, why (docker's own last line). */
export function dockerEngine(): { reachable: boolean; why: string } {
  const probe = spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8", timeout: PROBE_MS });
  if (probe.error) return { reachable: false, why: "the docker command is not installed" };
  if (probe.status !== 0) return { reachable: false, why: lastLine(probe.stderr) || "docker version failed" };
  return { reachable: true, why: "" };
}

/**
 * Runs docker with `input` piped in (when given), its stdout returned; a failure is one line,
 * `what` and docker's last line of error output.
 */
export function runDocker(args: string[], what: string, opts: { input?: NodeJS.ReadableStream; stdout?: "pipe" | "stderr" } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("docker", args, { stdio: [opts.input ? "pipe" : "ignore", opts.stdout === "stderr" ? 2 : "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      if (opts.stdout === "stderr") process.stderr.write(chunk);
    });
    if (opts.input && child.stdin) opts.input.pipe(child.stdin);
    child.on("error", (e) => reject(new Error(`${what}: ${e.message}`)));
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${what} failed: ${lastLine(err) || `docker exited with status ${code}`}`))));
  });
}

function lastLine(text: string): string {
  return text.trim().split("\n").pop()?.trim() ?? "";
}
