// Emulates the dynamic loader's library search without running anything: for glibc, RPATH of
// the requesting object and its loaders (unless it has RUNPATH), LD_LIBRARY_PATH, its RUNPATH,
// the ld.so cache (emulated from /etc/ld.so.conf as ldconfig builds it) and the default
// directories, each with glibc-hwcaps subdirectories; for musl, LD_LIBRARY_PATH, the
// RPATH/RUNPATH of the requester and its loaders and the path file. Objects load breadth first
// and are shared by requested name, SONAME (glibc) and file identity, like the real loaders.
import type { ElfInfo } from "./elf.js";
import { readElf } from "./elf.js";
import { basename, dirname } from "./fs.js";
import { readLdSoConf, readMuslPath } from "./ldconf.js";
import { machineFacts } from "./machines.js";
import { memo } from "./memo.js";
import { SymlinkLoopError, type Resolver } from "./resolve.js";

export type LibcFlavor = "glibc" | "musl";

export interface LoadedObject {
  /** The name it was first requested by; the path itself for the root and the interpreter. */
  name: string;
  /** The path as the loader builds it, e.g. "/usr/lib/jvm/x/bin/../lib/libjli.so". */
  path: string;
  /** `path` with every symlink resolved inside the root. */
  realPath: string;
  elf: ElfInfo;
  /** The object whose DT_NEEDED loaded this one. */
  loader?: LoadedObject;
  /** Every object whose DT_NEEDED names this one. */
  requesters: LoadedObject[];
  /** glibc-hwcaps variants next to it, which the loader prefers on CPUs that support them. */
  variants: string[];
}

export interface MissingLibrary {
  name: string;
  neededBy: string;
}

export interface LinkMap {
  flavor: LibcFlavor;
  root: LoadedObject;
  interpreter?: LoadedObject;
  /** Every other object, in load order. */
  libraries: LoadedObject[];
  missing: MissingLibrary[];
}

interface Found {
  path: string;
  realPath: string;
  elf: ElfInfo;
  variants: string[];
}

/** musl resolves these names to itself instead of searching. */
const MUSL_RESERVED = /^lib(c|pthread|rt|m|dl|util|xnet)\./;
const DST = /\$(\{(ORIGIN|LIB|PLATFORM)\}|ORIGIN|LIB|PLATFORM)/g;

export class DynamicLoader {
  private readonly elfs = new Map<string, Promise<ElfInfo | undefined>>();
  private readonly cacheDirs = new Map<string, Promise<string[]>>();
  private readonly muslPaths = new Map<string, Promise<string[]>>();

  constructor(
    private readonly resolver: Resolver,
    private readonly env: Record<string, string> = {},
  ) {}

  /** The ELF facts of a resolved path, read once; undefined when it is not ELF. */
  elf(realPath: string): Promise<ElfInfo | undefined> {
    return memo(this.elfs, realPath, () => readElf(this.resolver.fs, realPath));
  }

  /**
   * Loads `path` (an executable, or a library that was dlopen'ed) and everything it needs.
   * A library without PT_INTERP is searched for with `interpreter`'s rules when given.
   */
  async linkMap(path: string, interpreter?: string): Promise<LinkMap> {
    const rootFile = await this.resolver.resolve(path);
    const rootElf = rootFile && (await this.elf(rootFile.path));
    if (!rootFile || !rootElf) throw new Error(`${path} is not an ELF file in the root`);
    const root: LoadedObject = { name: path, path, realPath: rootFile.path, elf: rootElf, variants: [], requesters: [] };
    const interpPath = rootElf.interpreter ?? interpreter;
    const flavor: LibcFlavor = interpPath && basename(interpPath).startsWith("ld-musl-") ? "musl" : "glibc";
    const map: LinkMap = { flavor, root, libraries: [], missing: [] };
    const loaded = [root];
    if (interpPath) {
      const interp = await this.candidate(interpPath, rootElf);
      if (interp) loaded.push((map.interpreter = { name: interpPath, ...interp, requesters: [] }));
      else map.missing.push({ name: interpPath, neededBy: path });
    }
    await this.loadDependencies(map, loaded);
    return map;
  }

  /** Breadth first, like the loader: every DT_NEEDED of every object, each name once. */
  private async loadDependencies(map: LinkMap, loaded: LoadedObject[]): Promise<void> {
    const names = new Map(loaded.map((o) => [o.name, o]));
    const unresolved = new Set<string>();
    for (let i = 0; i < loaded.length; i++) {
      const requester = loaded[i]!;
      for (const name of requester.elf.needed) {
        const known = names.get(name) ?? (map.flavor === "glibc" ? loaded.find((o) => o.elf.soname === name) : undefined);
        if (known) {
          known.requesters.push(requester);
          continue;
        }
        if (unresolved.has(name)) continue;
        const found = await this.search(map, name, requester);
        if (!found) {
          unresolved.add(name);
          map.missing.push({ name, neededBy: requester.path });
          continue;
        }
        const same = loaded.find((o) => o.realPath === found.realPath);
        const object = same ?? { name, ...found, loader: requester, requesters: [] };
        object.requesters.push(requester);
        names.set(name, object);
        if (same) continue;
        loaded.push(object);
        map.libraries.push(object);
      }
    }
  }

  private async search(map: LinkMap, name: string, requester: LoadedObject): Promise<Found | undefined> {
    const want = requester.elf;
    if (name.includes("/")) return this.candidate(name, want);
    if (map.flavor === "musl") {
      if (MUSL_RESERVED.test(name) && map.interpreter) return map.interpreter;
      return this.inDirs(await this.muslDirs(map, requester), name, want, "musl");
    }
    return (
      (await this.inDirs(await this.glibcDirs(map, requester), name, want, "glibc")) ??
      (want.noDefaultLib ? undefined : ((await this.fromCache(name, want)) ?? (await this.inDirs(await this.defaultDirs(want), name, want, "glibc"))))
    );
  }

  private async inDirs(dirs: string[], name: string, want: ElfInfo, flavor: LibcFlavor): Promise<Found | undefined> {
    for (const dir of dirs) {
      const found = flavor === "glibc" ? await this.glibcCandidate(dir, name, want) : await this.candidate(libraryIn(dir, name), want);
      if (found) return found;
    }
    return undefined;
  }

  /** RPATH chain, LD_LIBRARY_PATH, RUNPATH: the directories searched before the cache. */
  private async glibcDirs(map: LinkMap, requester: LoadedObject): Promise<string[]> {
    const dirs: string[] = [];
    if (!requester.elf.runpath) {
      for (let o: LoadedObject | undefined = requester; o; o = o.loader) {
        if (o.elf.rpath && !o.elf.runpath) dirs.push(...(await this.expand(o.elf.rpath, o, "glibc")));
      }
    }
    dirs.push(...(await this.libraryPath(map)));
    if (requester.elf.runpath) dirs.push(...(await this.expand(requester.elf.runpath, requester, "glibc")));
    return dirs;
  }

  /** LD_LIBRARY_PATH, the RPATH/RUNPATH of the requester and its loaders, the path file. */
  private async muslDirs(map: LinkMap, requester: LoadedObject): Promise<string[]> {
    const dirs = await this.libraryPath(map);
    for (let o: LoadedObject | undefined = requester; o; o = o.loader) {
      const path = o.elf.runpath ?? o.elf.rpath;
      if (path) dirs.push(...(await this.expand(path, o, "musl")));
    }
    const interp = map.interpreter?.path ?? "";
    return [...dirs, ...(await memo(this.muslPaths, interp, () => readMuslPath(this.resolver, interp)))];
  }

  private libraryPath(map: LinkMap): Promise<string[]> {
    const value = this.env.LD_LIBRARY_PATH ?? "";
    return this.expand(value, map.root, map.flavor, /[:;]/);
  }

  /** Splits a search path and substitutes $ORIGIN (and for glibc $LIB, $PLATFORM). */
  private async expand(value: string, object: LoadedObject, flavor: LibcFlavor, separator = /:/): Promise<string[]> {
    // The executable's origin is where the kernel found it (/proc/self/exe); a library's is
    // the directory it was found in, as spelled.
    const origin = object.loader ? dirname(object.path) : dirname(object.realPath);
    const facts = machineFacts(object.elf.machine);
    const lib = (await this.isMultiarch(object.elf)) ? `lib/${facts.triplet}` : object.elf.class === "64" ? "lib64" : "lib";
    const values: Record<string, string> = { ORIGIN: origin, LIB: lib, PLATFORM: facts.platform };
    return value
      .split(separator)
      .filter((dir) => dir !== "")
      .map((dir) =>
        dir.replace(DST, (whole, _braced, braced: string | undefined) => {
          const key = braced ?? whole.slice(1);
          return flavor === "glibc" || key === "ORIGIN" ? values[key]! : whole;
        }),
      );
  }

  /** Debian-style multiarch library directories for this machine exist in the root. */
  private async isMultiarch(elf: ElfInfo): Promise<boolean> {
    return (await this.resolver.resolve(`/usr/lib/${machineFacts(elf.machine).triplet}`))?.stat.type === "dir";
  }

  /** glibc's compiled-in directories: Debian's multiarch ones when the root has them. */
  private async defaultDirs(elf: ElfInfo): Promise<string[]> {
    const triplet = machineFacts(elf.machine).triplet;
    if (await this.isMultiarch(elf)) return [`/lib/${triplet}`, `/usr/lib/${triplet}`, "/lib", "/usr/lib"];
    return elf.class === "64" ? ["/lib64", "/usr/lib64"] : ["/lib", "/usr/lib"];
  }

  /**
   * The ld.so cache as ldconfig builds it: ld.so.conf directories then the default ones, the
   * same directory listed twice (e.g. through /lib → usr/lib) kept once, first spelling wins;
   * entries are keyed by SONAME, so a file only answers for the name it declares.
   */
  private async fromCache(name: string, want: ElfInfo): Promise<Found | undefined> {
    if (!/^(lib|ld-).*\.so/.test(name)) return undefined;
    for (const dir of await this.ldCacheDirs(want)) {
      const found = await this.glibcCandidate(dir, name, want);
      if (found && (found.elf.soname ?? name) === name) return found;
    }
    return undefined;
  }

  private ldCacheDirs(want: ElfInfo): Promise<string[]> {
    return memo(this.cacheDirs, want.machine, async () => {
      const dirs = [...(await readLdSoConf(this.resolver)), ...(await this.defaultDirs(want))];
      const seen = new Set<string>();
      const unique: string[] = [];
      for (const dir of dirs) {
        const real = await this.resolver.resolve(dir);
        if (real?.stat.type !== "dir" || seen.has(real.path)) continue;
        seen.add(real.path);
        unique.push(dir);
      }
      return unique;
    });
  }


  /**
   * `path` if it is an ELF object the requester can load (same class and machine). Like
   * open(2) failing with ELOOP, a symlink loop just makes the loader try the next directory.
   */
  private async candidate(path: string, want: ElfInfo): Promise<Found | undefined> {
    const file = await this.resolver.resolve(path).catch((error: unknown) => {
      if (error instanceof SymlinkLoopError) return undefined;
      throw error;
    });
    if (file?.stat.type !== "file") return undefined;
    const elf = await this.elf(file.path).catch(() => undefined); // a damaged file is no candidate
    if (!elf || elf.class !== want.class || elf.machine !== want.machine) return undefined;
    return { path, realPath: file.path, elf, variants: [] };
  }

  /**
   * What a glibc search directory answers for `name`: the library with its glibc-hwcaps
   * variants (the loader picks the best one the CPU supports, so the image needs them all),
   * or when only variants exist, the best of them.
   */
  private async glibcCandidate(dir: string, name: string, want: ElfInfo): Promise<Found | undefined> {
    const variants: Found[] = [];
    for (const level of machineFacts(want.machine).hwcaps) {
      const variant = await this.candidate(libraryIn(dir, `glibc-hwcaps/${level}/${name}`), want);
      if (variant) variants.push(variant);
    }
    const found = (await this.candidate(libraryIn(dir, name), want)) ?? variants.shift();
    return found && { ...found, variants: variants.map((v) => v.path) };
  }
}

/** The loader joins a search directory (trailing slashes dropped) and a name as strings. */
function libraryIn(dir: string, name: string): string {
  return `${dir.replace(/\/+$/, "")}/${name}`;
}
