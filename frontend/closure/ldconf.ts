// The loaders' configuration files: glibc's /etc/ld.so.conf (what ldconfig builds the cache
// from) and musl's /etc/ld-musl-<arch>.path.
import { basename, dirname, joinPath } from "./fs.js";
import { expandGlob } from "./glob.js";
import type { Resolver } from "./resolve.js";
import { readText } from "./text.js";

/** The directories of ld.so.conf in order, following `include` globs (sorted, like glob(3)). */
export async function readLdSoConf(resolver: Resolver, path = "/etc/ld.so.conf", seen = new Set<string>()): Promise<string[]> {
  if (seen.has(path)) return [];
  seen.add(path);
  const text = await readText(resolver, path);
  if (text === undefined) return [];
  const dirs: string[] = [];
  for (const line of text.split("\n").map((l) => l.replace(/#.*/, "").trim())) {
    const include = /^include\s+(.+)$/.exec(line);
    if (include) {
      for (const pattern of include[1]!.split(/\s+/)) {
        for (const file of await expandGlob(resolver, joinPath(dirname(path), pattern), { dot: false })) {
          dirs.push(...(await readLdSoConf(resolver, file, seen)));
        }
      }
    } else if (line !== "" && !line.startsWith("hwcap ")) {
      dirs.push(...line.split(/[\s:,]+/).filter((dir) => dir.startsWith("/")));
    }
  }
  return dirs;
}

/** musl's system path: the path file next to the loader's prefix, else musl's default. */
export async function readMuslPath(resolver: Resolver, interpreter: string): Promise<string[]> {
  const text = await readText(resolver, muslPathFile(interpreter));
  if (text === undefined) return ["/lib", "/usr/local/lib", "/usr/lib"];
  return text.split(/[:\n]/).filter((dir) => dir !== "");
}

/**
 * /etc/ld-musl-<arch>.path under musl's prefix: everything before the loader's last two
 * slashes (/lib/ld-musl-x86_64.so.1 → "", /usr/lib/ld-musl-… → "/usr").
 */
export function muslPathFile(interpreter: string): string {
  const arch = /^ld-musl-(.+)\.so\.1$/.exec(basename(interpreter))?.[1] ?? "";
  return `${dirname(dirname(interpreter)).replace(/^\/$/, "")}/etc/ld-musl-${arch}.path`;
}

/** The files the loader itself reads at run time to search for libraries. */
export function loaderConfigFiles(flavor: "glibc" | "musl", interpreter: string): string[] {
  return flavor === "musl" ? [muslPathFile(interpreter)] : ["/etc/ld.so.cache"];
}
