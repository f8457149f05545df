// How a portable bundle starts an entry without the host's loader or paths: the bundled dynamic
// loader, the directories its libraries were found in, the ELF file to run, the name it should
// see as its own, and for scripts the interpreter chain (a script runs through its bundled
// interpreter, as the kernel would run it).
import { dirname, type RootFS } from "./fs.js";
import { DynamicLoader } from "./ldso.js";
import { findOnPath, Resolver } from "./resolve.js";
import { parseShebang, SHEBANG_BYTES } from "./shebang.js";

export interface LaunchSpec {
  /** The loader's real path; absent for a static program. */
  loader?: string;
  /** Real directories of every library the program loads, in load order. */
  libraryPath: string[];
  /** The ELF file to run, its real path. */
  program: string;
  /** The path the program sees as its own: the entry (or interpreter) as named. */
  argv0: string;
  /** Arguments before the user's: shebang arguments and the script, for scripts. */
  args: string[];
}

/** Linux follows at most this many interpreter scripts. */
const MAX_DEPTH = 4;

/** `entry` is an absolute path, or a name looked up on env.PATH. */
export async function launchSpec(fs: RootFS, entry: string, env: Record<string, string> = {}): Promise<LaunchSpec> {
  const resolver = new Resolver(fs);
  const path = entry.includes("/") ? entry : await findOnPath(resolver, entry, env.PATH);
  if (!path) throw new Error(`entry ${entry} is not on the source's PATH`);
  return specFor(resolver, new DynamicLoader(resolver, env), path, env.PATH, 0);
}

async function specFor(resolver: Resolver, loader: DynamicLoader, path: string, PATH: string | undefined, depth: number): Promise<LaunchSpec> {
  const file = await resolver.resolve(path);
  if (file?.stat.type !== "file") throw new Error(`${path} is not a file in the source root`);
  const shebang = parseShebang(await resolver.fs.readFile(file.path, { offset: 0, length: SHEBANG_BYTES }));
  if (!shebang) return elfSpec(loader, path, file.path);
  if (depth === MAX_DEPTH) throw new Error(`${path}: too many levels of interpreter scripts`);
  const interpreter = shebang.command ? await findOnPath(resolver, shebang.command, PATH) : shebang.interpreter;
  if (!interpreter) throw new Error(`${path}: its interpreter ${shebang.command} is not on the source's PATH`);
  // `#!/usr/bin/env python3` runs python3 itself; otherwise the kernel passes the one argument.
  const args = !shebang.command && shebang.argument ? [shebang.argument, path] : [path];
  const spec = await specFor(resolver, loader, interpreter, PATH, depth + 1);
  return { ...spec, args: [...spec.args, ...args] };
}

async function elfSpec(loader: DynamicLoader, path: string, realPath: string): Promise<LaunchSpec> {
  const map = await loader.linkMap(path);
  const libraryPath = [...new Set(map.libraries.map((lib) => dirname(lib.realPath)))];
  return { loader: map.interpreter?.realPath, libraryPath, program: realPath, argv0: path, args: [] };
}
