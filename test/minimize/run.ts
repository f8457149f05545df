// Building the minimize cases (fat: the plain build by the builtin frontend; minimized: the same
// Dockerfile with build-args only) and running them on the engine DOCKER_HOST names.
import { join } from "node:path";
import { docker, dockerOk } from "../e2e/docker.js";
import { MINIMIZE_DIR, type CliUse, type MinimizeCase } from "./cases.js";

export const fatTag = (name: string) => `sidebundle-minimize/${name}:fat`;
export const minTag = (name: string) => `sidebundle-minimize/${name}:min`;

/** The plain build, by BuildKit's builtin frontend. */
export async function buildFat(name: string, extra: string[] = []): Promise<void> {
  await dockerOk(["buildx", "build", "--quiet", ...extra, "--tag", fatTag(name), join(MINIMIZE_DIR, name)]);
}

/** `args` as --build-arg flags, SIDEBUNDLE_MINIMIZE=1 and BUILDKIT_SYNTAX first. */
export function minimizeArgs(args: Record<string, string> = {}): string[] {
  const all = { BUILDKIT_SYNTAX: "sidebundle/frontend", SIDEBUNDLE_MINIMIZE: "1", ...args };
  return Object.entries(all).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
}

/** The zero-edit build; returns its progress output. */
export async function buildMin(c: MinimizeCase, extra: string[] = []): Promise<string> {
  const args = ["buildx", "build", "--progress=plain", ...minimizeArgs(c.args), ...extra, "--tag", minTag(c.name), join(MINIMIZE_DIR, c.name)];
  return (await dockerOk(args)).stderr;
}

export async function imageSize(tag: string): Promise<number> {
  return Number((await dockerOk(["image", "inspect", "--format", "{{.Size}}", tag])).stdout.trim());
}

/** One use of a command-line image, offline: its exit code and output. */
export async function runUse(tag: string, use: CliUse): Promise<string> {
  const env = Object.entries(use.env ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  const run = await docker(["run", "--rm", "-i", "--network", "none", ...env, tag, ...use.args], { input: use.stdin });
  return `${run.code}\n${run.stdout}${run.stderr}`;
}

/**
 * A server started offline in the network namespace of a client container (`client`, an image
 * with curl, sleeping): requests never leave the pair.
 */
export class Served {
  private constructor(
    readonly client: string,
    readonly server: string,
  ) {}

  static async start(tag: string, clientImage: string): Promise<Served> {
    const client = (await dockerOk(["run", "-d", "--network", "none", "--entrypoint", "sleep", clientImage, "infinity"])).stdout.trim();
    const server = (await dockerOk(["run", "-d", "--network", `container:${client}`, tag])).stdout.trim();
    return new Served(client, server);
  }

  /** Body and status of a GET, retried while the server is not listening yet (curl's exit code when it never answered). */
  async get(port: number, path: string): Promise<string> {
    const url = `http://127.0.0.1:${port}${path}`;
    const run = await docker(["exec", this.client, "curl", "-s", "--retry", "30", "--retry-delay", "1", "--retry-connrefused", "-w", "\n%{http_code}", url]);
    return run.code === 0 ? run.stdout : `curl exited ${run.code}`;
  }

  async exec(argv: string[]): Promise<number> {
    return (await docker(["exec", this.server, ...argv])).code;
  }

  async stop(): Promise<void> {
    await docker(["rm", "-f", this.server, this.client]);
  }
}
