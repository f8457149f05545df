// Computes the plan: entries, their ELF and script closures, the trace, runtime-data rules,
// includes and excludes. Everything goes through one Resolver (cached lookups inside the root)
// and one DynamicLoader (cached ELF reads).
import { checkEntry } from "./entry.js";
import { dirname, type RootFS } from "./fs.js";
import { expandGlob } from "./glob.js";
import { DynamicLoader, type LinkMap, type LoadedObject } from "./ldso.js";
import { loaderConfigFiles } from "./ldconf.js";
import { PlanBuilder, type Plan } from "./plan.js";
import { findOnPath, Resolver } from "./resolve.js";
import type { RuleContext } from "./rules/context.js";
import { isGpuLibrary } from "./rules/gpu.js";
import { RUNTIME_RULES, type RuntimeRule } from "./rules/runtime-data.js";
import { isShell, parseShebang, SHEBANG_BYTES, shellCommands } from "./shebang.js";
import { countedEvents, type ExecEvent, type FileEvent, type TraceEvent } from "./trace.js";

export interface ClosureOptions {
  /** Absolute paths, or bare names looked up on env.PATH. */
  entries: string[];
  /** The source image's environment: PATH, LD_LIBRARY_PATH. */
  env?: Record<string, string>;
  trace?: TraceEvent[];
  include?: string[];
  exclude?: string[];
  allowGpuLibs?: boolean;
  /** Count every traced process, not only the entries' process trees. */
  wholeTrace?: boolean;
  /** Trace paths never copied (besides /proc, /sys, /dev), e.g. where the tracer was mounted. */
  ignore?: string[];
}

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const VIRTUAL_FS = ["/proc", "/sys", "/dev"];
/** How deep scripts that run scripts are followed (Linux allows 4 levels of #!). */
const MAX_SCRIPT_DEPTH = 4;
/** Shell scripts are scanned this far for commands (self-extracting archives go on for MBs). */
const SHELL_SCRIPT_BYTES = 64 * 1024;
const AT_SYMLINK_NOFOLLOW = 0x100;
const OPENS = new Set(["open", "openat", "openat2", "uselib"]);
const LOOKUPS = new Set([
  ...["stat", "oldstat", "stat64", "newfstatat", "fstatat64", "statx", "lstat", "oldlstat", "lstat64"],
  ...["access", "faccessat", "faccessat2", "readlink", "readlinkat", "chdir", "fchdir", "getdents", "getdents64"],
]);
const NOFOLLOW_LOOKUPS = new Set(["lstat", "oldlstat", "lstat64", "readlink", "readlinkat"]);
/** Lookups whose `flags` are AT_ flags (for the access family the tracer gives the mode). */
const AT_FLAG_LOOKUPS = new Set(["newfstatat", "fstatat64", "statx"]);

/** A counted event whose path the tracer could read. */
type TracedPath = (ExecEvent | FileEvent) & { abs: string };

export class ClosureEngine {
  private readonly resolver: Resolver;
  private readonly loader: DynamicLoader;
  private readonly plan: PlanBuilder;
  private readonly env: Record<string, string>;
  private readonly analysed = new Set<string>();
  /** Resolved paths of every ELF object added, for the rules. */
  private readonly objects = new Set<string>();

  constructor(fs: RootFS, private readonly options: ClosureOptions) {
    this.resolver = new Resolver(fs);
    this.env = { PATH: DEFAULT_PATH, ...options.env };
    this.loader = new DynamicLoader(this.resolver, this.env);
    this.plan = new PlanBuilder(this.resolver);
  }

  async run(): Promise<Plan> {
    const entries = await Promise.all(this.options.entries.map((entry) => this.locateEntry(entry)));
    for (const entry of entries) await this.addProgram(entry, "entry");
    const traced = await this.addTrace(new Set(await Promise.all(entries.map((e) => this.realPath(e)))));
    for (const glob of this.options.include ?? []) {
      for (const path of await expandGlob(this.resolver, glob)) await this.addFile(path, `include: ${glob}`);
    }
    await this.applyRules(traced);
    return this.plan.build(this.options.exclude ?? []);
  }

  private locateEntry(entry: string): Promise<string> {
    return checkEntry(this.resolver, this.loader, entry, this.env.PATH);
  }

  private async realPath(path: string): Promise<string | undefined> {
    return (await this.resolver.resolve(path))?.path;
  }

  /** The first executable file named `name` on PATH, spelled as PATH spells it. */
  /** A program: the file, and its ELF closure or its script interpreter and commands. */
  private async addProgram(path: string, reason: string, depth = 0): Promise<void> {
    const real = await this.addFile(path, reason);
    if (!real) return this.plan.warn(`unresolved: ${path} (${reason}) is not a file`);
    if (this.objects.has(real) || this.analysed.has(real)) return;
    this.analysed.add(real);
    const shebang = parseShebang(await this.resolver.fs.readFile(real, { offset: 0, length: SHEBANG_BYTES }));
    if (!shebang) return;
    if (depth === MAX_SCRIPT_DEPTH) return this.plan.warn(`${path}: more than ${MAX_SCRIPT_DEPTH} levels of scripts`);
    await this.addProgram(shebang.interpreter, `shebang of ${path}`, depth + 1);
    if (shebang.command) await this.addCommand(shebang.command, `env command of ${path}`, depth + 1);
    if (isShell(shebang.interpreter) && !shebang.command) {
      const script = Buffer.from(await this.resolver.fs.readFile(real, { offset: 0, length: SHELL_SCRIPT_BYTES })).toString("utf8");
      for (const name of shellCommands(script)) {
        const command = name.startsWith("/") ? name : await findOnPath(this.resolver, name, this.env.PATH);
        if (command) await this.addProgram(command, `command in script ${path}`, depth + 1);
      }
    }
  }

  private async addCommand(name: string, reason: string, depth: number): Promise<void> {
    const path = name.includes("/") ? name : await findOnPath(this.resolver, name, this.env.PATH);
    if (path) await this.addProgram(path, reason, depth);
    else this.plan.warn(`unresolved: ${name} (${reason}) is not on PATH`);
  }

  /** Adds `path`; if it is an ELF file, its closure too. Returns its resolved path if a file. */
  private async addFile(path: string, reason: string, interpreter?: string): Promise<string | undefined> {
    const found = await this.plan.addPath(path, reason);
    if (found?.stat.type !== "file") return undefined;
    if (this.objects.has(found.path)) return found.path;
    try {
      if (await this.loader.elf(found.path)) await this.addLinkMap(await this.loader.linkMap(path, interpreter));
    } catch (error) {
      this.plan.warn((error as Error).message); // ELF errors name the file
    }
    return found.path;
  }

  private async addLinkMap(map: LinkMap): Promise<void> {
    this.objects.add(map.root.realPath);
    const kept = this.options.allowGpuLibs ? new Set([map.root, ...map.libraries]) : withoutGpuLibraries(map);
    // A dlopen'ed library has no PT_INTERP: the process's loader only chose the search rules.
    const interpreter = map.root.elf.interpreter ? [map.interpreter] : [];
    for (const object of [...interpreter, ...map.libraries]) {
      if (!object) continue;
      if (object !== map.interpreter && !kept.has(object)) {
        this.plan.warn(`gpu filter: left out ${object.path} (needed by ${object.requesters.map((o) => o.path).join(", ")}); allow with allowGpuLibs`);
        continue;
      }
      const reason = object === map.interpreter ? `interpreter of ${map.root.path}` : `elf-needed ${object.name} by ${object.loader!.path}`;
      await this.plan.addPath(object.path, reason);
      for (const variant of object.variants) await this.plan.addPath(variant, `glibc-hwcaps variant of ${object.path}`);
      this.objects.add(object.realPath);
    }
    for (const missing of map.missing) this.plan.warn(`unresolved: ${missing.name} needed by ${missing.neededBy}`);
    if (!map.interpreter) return;
    for (const file of loaderConfigFiles(map.flavor, map.interpreter.path)) {
      await this.plan.addPath(file, `loader configuration of ${map.interpreter.path}`);
    }
  }

  /** Adds what the counted trace events touched; returns every path they touched. */
  private async addTrace(entries: Set<string | undefined>): Promise<string[]> {
    const isEntry = async (abs: string) => entries.has(await this.realPath(abs));
    const events = await countedEvents(this.options.trace ?? [], isEntry, this.options.wholeTrace ?? false);
    const ignored = [...VIRTUAL_FS, ...(this.options.ignore ?? [])];
    const isIgnored = (abs: string) => ignored.some((dir) => abs === dir || abs.startsWith(`${dir}/`));
    // abs is null where the tracer could not read the path (or the dirfd was bad).
    const relevant = events.filter((e): e is TracedPath => e.abs !== null && !isIgnored(e.abs));
    for (const event of relevant) if (event.result >= 0) await this.addTraceEvent(event);
    return relevant.map((e) => e.abs);
  }

  /**
   * A successful lookup keeps what it saw: the symlinks on the way and the file or directory
   * it ended on. Files that were only stat'ed are kept too: programs test for landmarks (Python
   * stats lib/python3.X/os.py to find its prefix) and behave differently when they are missing.
   */
  private async addTraceEvent(event: TracedPath): Promise<void> {
    const reason = `trace: ${event.syscall} by pid ${event.pid} (${event.exe})`;
    if (event.type === "exec") return this.addProgram(event.abs, reason);
    if (OPENS.has(event.syscall) && !this.options.allowGpuLibs && isGpuLibrary(event.abs)) {
      this.plan.warn(`gpu filter: left out ${event.abs} (${reason}); allow with allowGpuLibs`);
    } else if (OPENS.has(event.syscall)) {
      await this.addFile(event.abs, reason, await this.interpreterOf(event.exe));
    } else if (LOOKUPS.has(event.syscall)) {
      const noFollow = NOFOLLOW_LOOKUPS.has(event.syscall) || (AT_FLAG_LOOKUPS.has(event.syscall) && ((event.flags ?? 0) & AT_SYMLINK_NOFOLLOW) !== 0);
      await this.plan.addPath(event.abs, reason, { followFinal: !noFollow });
    }
  }

  /** The loader of a traced process's executable, to search for what it dlopen'ed. */
  private async interpreterOf(exe: string): Promise<string | undefined> {
    const real = await this.realPath(exe);
    return real ? (await this.loader.elf(real).catch(() => undefined))?.interpreter : undefined;
  }

  private async applyRules(traced: string[]): Promise<void> {
    const context: RuleContext = {
      resolver: this.resolver,
      objects: [...this.objects].sort(),
      traced,
      warn: (message) => this.plan.warn(message),
    };
    for (const rule of RUNTIME_RULES) {
      const libdirs = ruleLibdirs(rule, context);
      if (!libdirs) continue;
      const paths = rule.paths.flatMap((path) => (path.includes("$LIBDIR") ? libdirs.map((dir) => path.replace("$LIBDIR", dir)) : [path]));
      for (const glob of paths) {
        for (const path of await expandGlob(this.resolver, glob)) await this.addFile(path, `rule: ${rule.name}`);
      }
      for (const path of (await rule.more?.(context, libdirs)) ?? []) await this.addFile(path, `rule: ${rule.name}`);
    }
  }
}

/** The directories standing for $LIBDIR when the rule applies; undefined when it does not. */
function ruleLibdirs(rule: RuntimeRule, context: RuleContext): string[] | undefined {
  const named = (pattern: RegExp) => context.objects.filter((path) => pattern.test(path.slice(path.lastIndexOf("/") + 1)));
  const triggering = rule.library ? named(rule.library) : [];
  if (rule.library && triggering.length === 0) return undefined;
  if (rule.traced && !context.traced.some((path) => rule.traced!.test(path))) return undefined;
  const libraries = triggering.length > 0 ? triggering : named(/^libc\.so\.6$/);
  return [...new Set(libraries.map(dirname))].sort();
}

/** The root and the libraries still needed once GPU libraries (and what only they need) go. */
function withoutGpuLibraries(map: LinkMap): Set<LoadedObject> {
  const kept = new Set<LoadedObject>([map.root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const object of map.libraries) {
      if (kept.has(object) || isGpuLibrary(object.realPath) || !object.requesters.some((r) => kept.has(r))) continue;
      kept.add(object);
      grew = true;
    }
  }
  return kept;
}
