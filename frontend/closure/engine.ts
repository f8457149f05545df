// Computes the plan: entries, their ELF and script closures, the trace, runtime-data rules,
// includes and excludes. Everything goes through one Resolver (cached lookups inside the root)
// and one DynamicLoader (cached ELF reads).
import { checkEntry } from "./entry.js";
import { ancestors, dirname, joinPath, type RootFS } from "./fs.js";
import { expandGlob } from "./glob.js";
import { DynamicLoader, type LinkMap, type LoadedObject } from "./ldso.js";
import { loaderConfigFiles } from "./ldconf.js";
import { PlanBuilder, type Plan } from "./plan.js";
import type { Reason } from "./reasons.js";
import { findOnPath, Resolver, SymlinkLoopError } from "./resolve.js";
import type { RuleContext } from "./rules/context.js";
import { isHostGpuLibrary } from "./rules/gpu.js";
import { checkRuleNames, RUNTIME_RULES, type RuntimeRule } from "./rules/runtime-data.js";
import { isShell, parseShebang, SHEBANG_BYTES, shellCommands } from "./shebang.js";
import { countedEvents, type ExecEvent, type FileEvent, type TraceEvent } from "./trace.js";

export interface ClosureOptions {
  /** Absolute paths, or bare names looked up on env.PATH. */
  entries: string[];
  /** The source image's environment: PATH, LD_LIBRARY_PATH. */
  env?: Record<string, string>;
  /** The tracer's events, in log order (a stream will do). */
  trace?: Iterable<TraceEvent> | AsyncIterable<TraceEvent>;
  include?: string[];
  exclude?: string[];
  /** Keep the libraries a GPU container runtime injects from the host (left out by default). */
  allowGpuLibs?: boolean;
  /** Runtime-data rules not to apply (rules/runtime-data.ts names them). */
  skipRules?: string[];
  /** Count every traced process, not only the entries' process trees. */
  wholeTrace?: boolean;
  /** Trace paths never copied (besides /proc, /sys, /dev), e.g. where the tracer was mounted. */
  ignore?: string[];
  /** A root filesystem: it gets /tmp and /var/tmp like any base image, and the source's /run. */
  baseDirs?: boolean;
  /** Keep the files scanners identify the distribution by (/etc/os-release, /etc/debian_version). */
  osIdentity?: boolean;
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

/** Calls that make or change something at their path(s): the directories above must exist. */
const WRITES = new Set([
  ...["creat", "mkdir", "mkdirat", "rename", "renameat", "renameat2", "link", "linkat"],
  ...["symlink", "symlinkat", "mknod", "mknodat", "bind"],
]);
const O_ACCMODE = 0o3;
const O_CREAT = 0o100;
const TEMP_DIRS = ["/tmp", "/var/tmp"];
const STICKY_WORLD_WRITABLE = 0o1777;
const BASE_DIR: Reason = { kind: "base-dir" };
const OS_IDENTITY_FILES = ["/etc/os-release", "/etc/debian_version"];

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
  /** The entries and every program the counted trace executed, for the rules. */
  private readonly programs = new Set<string>();

  constructor(fs: RootFS, private readonly options: ClosureOptions) {
    this.resolver = new Resolver(fs);
    this.env = { PATH: DEFAULT_PATH, ...options.env };
    this.loader = new DynamicLoader(this.resolver, this.env);
    this.plan = new PlanBuilder(this.resolver);
  }

  async run(): Promise<Plan> {
    checkRuleNames(this.options.skipRules ?? []);
    const entries = await Promise.all(this.options.entries.map((entry) => this.locateEntry(entry)));
    if (this.options.baseDirs) await this.addBaseDirs();
    if (this.options.osIdentity) for (const file of OS_IDENTITY_FILES) await this.plan.addPath(file, { kind: "os-identity" });
    for (const entry of entries) await this.addProgram(entry, { kind: "entry" });
    for (const entry of entries) this.programs.add(entry);
    const traced = await this.addTrace(new Set(await Promise.all(entries.map((e) => this.realPath(e)))));
    for (const glob of this.options.include ?? []) {
      const paths = await expandGlob(this.resolver, glob);
      if (paths.length === 0) this.plan.warn({ kind: "include-matches-nothing", glob });
      for (const path of paths) await this.addTree(path, { kind: "include", glob });
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

  /** A program: the file, and its ELF closure or its script interpreter and commands. */
  private async addProgram(path: string, reason: Reason, depth = 0): Promise<void> {
    const real = await this.addFile(path, reason);
    if (!real) return this.plan.warn({ kind: "unresolved-program", path, reason });
    if (this.objects.has(real) || this.analysed.has(real)) return;
    this.analysed.add(real);
    const shebang = parseShebang(await this.resolver.fs.readFile(real, { offset: 0, length: SHEBANG_BYTES }));
    if (!shebang) return;
    if (depth === MAX_SCRIPT_DEPTH) return this.plan.warn({ kind: "script-depth", path, depth: MAX_SCRIPT_DEPTH });
    await this.addProgram(shebang.interpreter, { kind: "shebang", of: path }, depth + 1);
    if (shebang.command) await this.addCommand(shebang.command, { kind: "env-command", of: path }, depth + 1);
    if (isShell(shebang.interpreter) && !shebang.command) {
      const script = Buffer.from(await this.resolver.fs.readFile(real, { offset: 0, length: SHELL_SCRIPT_BYTES })).toString("utf8");
      for (const name of shellCommands(script)) {
        const command = name.startsWith("/") ? name : await findOnPath(this.resolver, name, this.env.PATH);
        if (command) await this.addProgram(command, { kind: "script-command", of: path }, depth + 1);
      }
    }
  }

  private async addCommand(name: string, reason: Reason, depth: number): Promise<void> {
    const path = name.includes("/") ? name : await findOnPath(this.resolver, name, this.env.PATH);
    if (path) await this.addProgram(path, reason, depth);
    else this.plan.warn({ kind: "unresolved-command", name, reason });
  }

  /** Adds `path`; if it is an ELF file, its closure too. Returns its resolved path if a file. */
  private async addFile(path: string, reason: Reason, interpreter?: string): Promise<string | undefined> {
    const found = await this.plan.addPath(path, reason);
    if (found?.stat.type !== "file") return undefined;
    if (this.objects.has(found.path)) return found.path;
    try {
      if (await this.loader.elf(found.path)) await this.addLinkMap(await this.loader.linkMap(path, interpreter));
    } catch (error) {
      this.plan.warn({ kind: "bad-elf", message: (error as Error).message }); // ELF errors name the file
    }
    return found.path;
  }

  /** Adds `path` as addFile does; a directory with everything below it (links kept as links). */
  private async addTree(path: string, reason: Reason): Promise<void> {
    const found = await this.resolver.resolve(path).catch(() => undefined);
    if (found?.stat.type !== "dir") {
      await this.addFile(path, reason);
      return;
    }
    await this.plan.addPath(path, reason);
    for (const name of (await this.resolver.fs.readdir(found.path)).sort()) {
      const child = joinPath(found.path, name);
      const type = (await this.resolver.lstat(child))?.type;
      if (type === "dir") await this.addTree(child, reason);
      else if (type === "symlink") await this.plan.addPath(child, reason, { followFinal: false });
      else if (type === "file") await this.addFile(child, reason);
    }
  }

  private async addLinkMap(map: LinkMap): Promise<void> {
    this.objects.add(map.root.realPath);
    // A dlopen'ed library has no PT_INTERP: the process's loader only chose the search rules.
    const interpreter = map.root.elf.interpreter ? [map.interpreter] : [];
    for (const object of [...interpreter, ...map.libraries]) {
      if (!object) continue;
      if (object !== map.interpreter && !this.options.allowGpuLibs && isHostGpuObject(object)) {
        const reasons = object.requesters.map((r): Reason => ({ kind: "needed", name: object.name, by: r.path }));
        this.plan.warn({ kind: "host-gpu-library", path: object.path, reasons });
        continue;
      }
      const reason: Reason = object === map.interpreter ? { kind: "interpreter", of: map.root.path } : { kind: "needed", name: object.name, by: object.loader!.path };
      await this.plan.addPath(object.path, reason);
      for (const variant of object.variants) await this.plan.addPath(variant, { kind: "hwcaps-variant", of: object.path });
      this.objects.add(object.realPath);
    }
    for (const missing of map.missing) this.plan.warn({ kind: "unresolved-library", name: missing.name, neededBy: missing.neededBy });
    if (!map.interpreter) return;
    for (const file of loaderConfigFiles(map.flavor, map.interpreter.path)) {
      await this.plan.addPath(file, { kind: "loader-config", of: map.interpreter.path });
    }
  }

  private async addBaseDirs(): Promise<void> {
    for (const dir of TEMP_DIRS) {
      if (await this.isDir(dir)) await this.plan.addPath(dir, BASE_DIR);
      else this.plan.addDir(dir, STICKY_WORLD_WRITABLE, BASE_DIR);
    }
    if (await this.isDir("/run")) await this.plan.addPath("/run", BASE_DIR);
  }

  /** Whether `path` is a directory of the source, symlinks followed (a loop is not). */
  private async isDir(path: string): Promise<boolean> {
    const found = await this.resolver.resolve(path).catch((error: unknown) => {
      if (error instanceof SymlinkLoopError) return undefined;
      throw error;
    });
    return found?.stat.type === "dir";
  }

  /** Adds what the counted trace events touched; returns every path they touched. */
  private async addTrace(entries: Set<string | undefined>): Promise<string[]> {
    const isEntry = async (abs: string) => entries.has(await this.realPath(abs));
    const events = await countedEvents(this.options.trace ?? [], isEntry, this.options.wholeTrace ?? false);
    this.warnUnreadable(events);
    const ignored = [...VIRTUAL_FS, ...(this.options.ignore ?? [])];
    const isIgnored = (abs: string) => ignored.some((dir) => abs === dir || abs.startsWith(`${dir}/`));
    // abs is also null where a dirfd named no directory (fstat of a pipe): not a file.
    const relevant = events.filter((e): e is TracedPath => e.abs !== null && !isIgnored(e.abs));
    for (const event of relevant) {
      if (event.result >= 0) await this.addTraceEvent(event);
      if (isWrite(event)) await this.addStateDirs(event);
      if (event.type === "exec" && event.result >= 0) this.programs.add(event.abs);
    }
    return relevant.map((e) => e.abs);
  }

  /** Calls whose path the tracer could not read: one warning per process and call. */
  private warnUnreadable(events: Array<ExecEvent | FileEvent>): void {
    const counts = new Map<string, { syscall: string; exe: string; calls: number }>();
    for (const e of events) {
      if (e.path !== null && (e.abs !== null || e.path === "") && (e.type === "exec" || e.abs2 !== null)) continue;
      const key = `${e.syscall} ${e.exe}`;
      const seen = counts.get(key) ?? { syscall: e.syscall, exe: e.exe, calls: 0 };
      counts.set(key, { ...seen, calls: seen.calls + 1 });
    }
    for (const c of counts.values()) this.plan.warn({ kind: "unreadable-trace-path", ...c });
  }

  /**
   * The directories of the source on the way to what a process made, renamed or opened for
   * writing, with their modes and owners: the program makes its state there again at run time.
   */
  private async addStateDirs(event: TracedPath): Promise<void> {
    const reason: Reason = { kind: "trace", syscall: event.syscall, exe: event.exe };
    const targets = [event.abs, ...(event.type === "file" && event.abs2 ? [event.abs2] : [])];
    for (const path of targets.flatMap((target) => [...ancestors(target), target])) {
      if (await this.isDir(path)) await this.plan.addPath(path, reason);
    }
  }

  /**
   * A successful lookup keeps what it saw: the symlinks on the way and the file or directory
   * it ended on. Files that were only stat'ed are kept too: programs test for landmarks (Python
   * stats lib/python3.X/os.py to find its prefix) and behave differently when they are missing.
   */
  private async addTraceEvent(event: TracedPath): Promise<void> {
    const reason: Reason = { kind: "trace", syscall: event.syscall, exe: event.exe };
    if (event.type === "exec") return this.addProgram(event.abs, reason);
    if (!this.options.allowGpuLibs && (await this.isHostGpuPath(event.abs))) {
      this.plan.warn({ kind: "host-gpu-library", path: event.abs, reasons: [reason] });
    } else if (OPENS.has(event.syscall)) {
      await this.addFile(event.abs, reason, await this.interpreterOf(event.exe));
    } else if (LOOKUPS.has(event.syscall)) {
      const noFollow = NOFOLLOW_LOOKUPS.has(event.syscall) || (AT_FLAG_LOOKUPS.has(event.syscall) && ((event.flags ?? 0) & AT_SYMLINK_NOFOLLOW) !== 0);
      await this.plan.addPath(event.abs, reason, { followFinal: !noFollow });
    }
  }

  /** Whether `path`, or the file it resolves to, is a library the GPU runtime injects. */
  private async isHostGpuPath(path: string): Promise<boolean> {
    if (isHostGpuLibrary(path)) return true;
    const real = await this.resolver.resolve(path).catch(() => undefined); // a loop: not a library
    return real !== undefined && isHostGpuLibrary(real.path);
  }

  /** The loader of a traced process's executable, to search for what it dlopen'ed. */
  private async interpreterOf(exe: string): Promise<string | undefined> {
    const real = await this.realPath(exe);
    return real ? (await this.loader.elf(real).catch(() => undefined))?.interpreter : undefined;
  }

  /** Rules in table order; each sees the objects the rules before it added. */
  private async applyRules(traced: string[]): Promise<void> {
    const skipped = new Set(this.options.skipRules ?? []);
    for (const rule of RUNTIME_RULES.filter((r) => !skipped.has(r.name))) {
      const context: RuleContext = {
        resolver: this.resolver,
        objects: [...this.objects].sort(),
        traced,
        programs: [...this.programs].sort(),
        warn: (warning) => this.plan.warn(warning),
      };
      const libdirs = ruleLibdirs(rule, context);
      if (!libdirs) continue;
      const reason: Reason = { kind: "rule", rule: rule.name };
      const paths = rule.paths.flatMap((path) => (path.includes("$LIBDIR") ? libdirs.map((dir) => path.replace("$LIBDIR", dir)) : [path]));
      for (const glob of paths) {
        for (const path of await expandGlob(this.resolver, glob)) await this.addFile(path, reason);
      }
      for (const path of (await rule.more?.(context, libdirs)) ?? []) await this.addFile(path, reason);
    }
  }
}

function isWrite(event: ExecEvent | FileEvent): boolean {
  if (event.type !== "file") return false;
  if (WRITES.has(event.syscall)) return true;
  return OPENS.has(event.syscall) && ((event.flags ?? 0) & (O_ACCMODE | O_CREAT)) !== 0;
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

function isHostGpuObject(object: LoadedObject): boolean {
  return isHostGpuLibrary(object.path) || isHostGpuLibrary(object.realPath);
}
