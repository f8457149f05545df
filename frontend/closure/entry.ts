// Whether an entry can run at all, by the kernel's execve rules, before its closure is computed:
// it exists, is a regular executable file, is ELF or starts with a #! line the kernel can
// follow. Each way it cannot run is its own typed problem, rendered to one line only at the edge.
import type { DynamicLoader } from "./ldso.js";
import { findOnPath, SymlinkLoopError, type Resolver } from "./resolve.js";
import { parseShebang, SHEBANG_BYTES } from "./shebang.js";

/** Linux follows at most this many #! interpreters before an ELF program (ELOOP beyond). */
const MAX_INTERPRETERS = 4;

export type EntryProblem =
  | { kind: "not-on-path"; entry: string; path: string }
  | { kind: "missing"; entry: string }
  | { kind: "dangling-symlink"; entry: string; target: string }
  | { kind: "symlink-loop"; entry: string }
  | { kind: "directory"; entry: string }
  | { kind: "special-file"; entry: string }
  | { kind: "not-executable"; entry: string }
  | { kind: "empty"; entry: string }
  | { kind: "no-shebang"; entry: string }
  | { kind: "crlf-shebang"; entry: string; script: string; interpreter: string }
  | { kind: "interpreter-loop"; entry: string; chain: string[] }
  | { kind: "too-many-interpreters"; entry: string; chain: string[] }
  | { kind: "damaged-elf"; entry: string; file: string; detail: string };

export class EntryError extends Error {
  constructor(readonly problem: EntryProblem) {
    super(describe(problem));
  }
}

function describe(p: EntryProblem): string {
  const cannot = "the kernel cannot run it";
  switch (p.kind) {
    case "not-on-path":
      return `entry ${p.entry} is not an executable file on the source's PATH (${p.path})`;
    case "missing":
      return `entry ${p.entry} does not exist in the source`;
    case "dangling-symlink":
      return `entry ${p.entry} is a symlink to ${p.target}, which does not exist in the source`;
    case "symlink-loop":
      return `entry ${p.entry}: too many levels of symlinks`;
    case "directory":
      return `entry ${p.entry} is a directory, not a program`;
    case "special-file":
      return `entry ${p.entry} is a special file (FIFO, socket or device), not a program`;
    case "not-executable":
      return `entry ${p.entry} is not executable`;
    case "empty":
      return `entry ${p.entry} is an empty file: ${cannot}`;
    case "no-shebang":
      return `entry ${p.entry} is neither an ELF program nor a script starting with #!: ${cannot} (exec format error)`;
    case "crlf-shebang":
      return `entry ${p.entry}: the #! line of ${p.script} ends in a carriage return (CRLF line endings): the kernel looks for ${JSON.stringify(p.interpreter)}`;
    case "interpreter-loop":
      return `entry ${p.entry}: its #! interpreters run in a loop: ${p.chain.join(" → ")}`;
    case "too-many-interpreters":
      return `entry ${p.entry}: more than ${MAX_INTERPRETERS} #! interpreters before a program (the kernel's limit): ${p.chain.join(" → ")}`;
    case "damaged-elf":
      return `entry ${p.entry}: ${p.file} is a damaged ELF file (${p.detail}): ${cannot}`;
  }
}

/** The entry's path (as PATH spells it for a bare name) when it can run; an EntryError if not. */
export async function checkEntry(resolver: Resolver, loader: DynamicLoader, entry: string, path: string): Promise<string> {
  const found = entry.includes("/") ? entry : await findOnPath(resolver, entry, path);
  if (found === undefined) throw new EntryError({ kind: "not-on-path", entry, path });
  await checkRunnable(resolver, loader, entry, found, []);
  return found;
}

/** `file` (the entry, or an interpreter of it) is a program the kernel runs. */
async function checkRunnable(resolver: Resolver, loader: DynamicLoader, entry: string, file: string, chain: string[]): Promise<void> {
  const real = await regularFile(resolver, entry, file);
  if (chain.includes(real)) throw new EntryError({ kind: "interpreter-loop", entry, chain: [...chain, real] });
  if (chain.length > MAX_INTERPRETERS) throw new EntryError({ kind: "too-many-interpreters", entry, chain: [...chain, real] });
  const head = Buffer.from(await resolver.fs.readFile(real, { offset: 0, length: SHEBANG_BYTES }));
  if (head.length === 0) throw new EntryError({ kind: "empty", entry });
  if (head.subarray(0, 4).toString("latin1") === "\x7fELF") return checkElf(loader, entry, real);
  const shebang = parseShebang(head);
  if (!shebang) throw new EntryError({ kind: "no-shebang", entry });
  const line = head.toString("latin1").split("\n")[0];
  if (line.endsWith("\r")) throw new EntryError({ kind: "crlf-shebang", entry, script: real, interpreter: line.slice(2).trim().split(/[ \t]/)[0] + "\r" });
  // A missing interpreter is the closure's warning: the bundle may go onto a base that has it.
  if ((await resolver.resolve(shebang.interpreter).catch(() => undefined))?.stat.type !== "file") return;
  await checkRunnable(resolver, loader, entry, shebang.interpreter, [...chain, real]);
}

async function regularFile(resolver: Resolver, entry: string, file: string): Promise<string> {
  let resolved;
  try {
    resolved = await resolver.resolve(file);
  } catch (err) {
    if (err instanceof SymlinkLoopError) throw new EntryError({ kind: "symlink-loop", entry });
    throw err;
  }
  if (!resolved) {
    const link = await resolver.resolve(file, false).catch(() => undefined);
    if (link?.stat.type === "symlink") throw new EntryError({ kind: "dangling-symlink", entry, target: await resolver.readlink(link.path) });
    throw new EntryError({ kind: "missing", entry });
  }
  if (resolved.stat.type === "dir") throw new EntryError({ kind: "directory", entry });
  if (resolved.stat.type !== "file") throw new EntryError({ kind: "special-file", entry });
  if ((resolved.stat.mode & 0o111) === 0) throw new EntryError({ kind: "not-executable", entry });
  return resolved.path;
}

async function checkElf(loader: DynamicLoader, entry: string, real: string): Promise<void> {
  let detail = "too short for an ELF header";
  try {
    if (await loader.elf(real)) return;
  } catch (err) {
    detail = (err as Error).message.replace(`${real}: `, "");
  }
  throw new EntryError({ kind: "damaged-elf", entry, file: real, detail });
}
