// Glob expansion over the RootFS: only the tree below the glob's static base is listed, no
// deeper than the glob can match, and directory symlinks are not descended into (they are
// matched as the links they are).
import picomatch from "picomatch";
import { joinPath, pathComponents } from "./fs.js";
import { anchorGlob } from "./plan.js";
import type { Resolver } from "./resolve.js";

export interface GlobOptions {
  /** Whether wildcards match names starting with a dot (glob(3) does not). */
  dot?: boolean;
}

/** Paths matching `glob`, spelled under the glob's base as written, sorted. */
export async function expandGlob(resolver: Resolver, glob: string, options: GlobOptions = { dot: true }): Promise<string[]> {
  const pattern = anchorGlob(glob);
  const scan = picomatch.scan(pattern);
  if (!scan.isGlob) return (await resolver.resolve(pattern, false)) ? [pattern] : [];
  const base = scan.base === "" ? "/" : scan.base;
  const real = await resolver.resolve(base);
  if (real?.stat.type !== "dir") return [];
  const matches = picomatch(pattern, { dot: options.dot ?? false });
  const depth = pattern.includes("**") ? Infinity : pathComponents(pattern).length - pathComponents(base).length;
  const found: string[] = [];
  const walk = async (spelled: string, dir: string, level: number): Promise<void> => {
    for (const name of (await resolver.fs.readdir(dir)).sort()) {
      const path = joinPath(spelled, name);
      if (matches(path)) found.push(path);
      if (level < depth && (await resolver.lstat(joinPath(dir, name)))?.type === "dir") await walk(path, joinPath(dir, name), level + 1);
    }
  };
  await walk(base, real.path, 1);
  return found;
}
