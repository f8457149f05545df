// What the Dockerfile itself puts into the minimized stage (COPY and ADD in it and the stages it
// builds FROM): the application's own files, which a server reads only when a request asks for
// them (pages, templates, classes). A minimize keeps them whole, as --include would.
import { posix } from "node:path";
import type { Dockerfile, Instruction, Stage } from "../dockerfile/parse.js";
import { shellWords } from "../dockerfile/words.js";

/**
 * Directories many packages share: a COPY into one of them keeps only what it copied (by the
 * sources' names), never the whole directory.
 */
const SHARED_DIRS = new Set(["/", "/bin", "/sbin", "/lib", "/lib64", "/etc", "/usr", "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/share", "/usr/local", "/usr/local/bin", "/usr/local/sbin", "/usr/local/lib", "/opt", "/var", "/srv", "/tmp", "/root", "/home"]);

/** The paths COPY and ADD wrote in the stage and its ancestors, absolute, as --include globs. */
export function copiedPaths(df: Dockerfile, stage: Stage): string[] {
  let workdir = "/";
  const paths: string[] = [];
  for (const s of lineage(df, stage)) {
    for (const ins of df.instructions.filter((i) => i.stage === s.index)) {
      if (ins.keyword === "WORKDIR" && !ins.args.includes("$")) workdir = posix.resolve(workdir, ins.args.trim());
      if (ins.keyword === "COPY" || ins.keyword === "ADD") paths.push(...destinations(df, ins, workdir));
    }
  }
  return [...new Set(paths)];
}

/** The stage and the stages of this Dockerfile it is built FROM, the oldest first. */
function lineage(df: Dockerfile, stage: Stage): Stage[] {
  const chain = [stage];
  for (let s = stage; ; ) {
    const base = df.stages.find((b) => b.name !== undefined && b.name === s.base.toLowerCase() && b.index < s.index);
    if (!base || chain.includes(base)) return chain.reverse();
    chain.push(base);
    s = base;
  }
}

function destinations(df: Dockerfile, ins: Instruction, workdir: string): string[] {
  const words = operands(df, ins);
  if (words.length < 2) return [];
  const dest = words[words.length - 1];
  const sources = words.slice(0, -1);
  // A path with a variable is BuildKit's to expand; it is left to the trace and --include.
  if (dest.includes("$")) return [];
  const path = posix.resolve(workdir, dest);
  if (!SHARED_DIRS.has(path)) return [path];
  // Into a shared directory: a file source lands under its own name; a directory's contents
  // (a source ending in /) cannot be named without the build context, and are left to the trace.
  return sources.filter((src) => !src.startsWith("<<") && !src.includes("$") && !src.endsWith("/")).flatMap((src) => {
    const name = posix.basename(src);
    return name && name !== "." && name !== ".." ? [posix.join(path, name)] : [];
  });
}

/** Sources and destination: the JSON form's strings, or the shell words that are not --flags. */
function operands(df: Dockerfile, ins: Instruction): string[] {
  const rest = ins.args.replace(/^(\s*--\S+)*\s*/, "");
  if (rest.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(rest);
      if (Array.isArray(parsed) && parsed.every((w) => typeof w === "string")) return parsed;
    } catch {
      // Not JSON: BuildKit reads it as shell words too.
    }
  }
  try {
    return shellWords(rest, df.escape);
  } catch {
    return [];
  }
}
