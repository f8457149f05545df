// The built CLI (dist/sidebundle.js, which `npm run build` writes), run as a user runs it, and
// programs run with an input; no Docker engine here.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CLI = join(import.meta.dirname, "../../dist/sidebundle.js");

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error("dist/sidebundle.js is missing: run `npm run build`");
}

export function run(file: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Run {
  const r = spawnSync(file, args, { input: opts.input ?? "", env: opts.env ?? process.env, cwd: opts.cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  return { code: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

export function sidebundle(args: string[], env: NodeJS.ProcessEnv = process.env): Run {
  return run("node", [CLI, ...args], { env });
}

/** A path that does not exist yet, in a new directory (the CLI makes it). */
export function outDir(name: string): string {
  return join(mkdtempSync(join(tmpdir(), `sb-cli-${name}-`)), "out");
}
