// A program's own data directory, /usr/share/<program>: when a program the trace ran (or an
// entry) read a file there (nmap's nmap-services), another input reads another one
// (nmap-mac-prefixes, a script), so the directory is kept whole. Not a language's library root
// (perl's core modules, Debian's Node modules): like Python's standard library, never whole.
import { basename } from "../fs.js";
import { expandGlob } from "../glob.js";
import type { RuleContext } from "./context.js";

const SHARE = /^\/usr\/share\/([^/]+)\//;
const LIBRARY_ROOTS = new Set(["perl", "nodejs"]);

export async function programData(context: RuleContext): Promise<string[]> {
  const programs = new Set(context.programs.map(basename));
  const dirs = new Set<string>();
  for (const path of context.traced) {
    const name = SHARE.exec(path)?.[1];
    if (name !== undefined && programs.has(name) && !LIBRARY_ROOTS.has(name)) dirs.add(`/usr/share/${name}`);
  }
  const paths: string[] = [];
  for (const dir of [...dirs].sort()) paths.push(...(await expandGlob(context.resolver, `${dir}/**`)));
  return paths;
}
