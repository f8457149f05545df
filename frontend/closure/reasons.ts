// Why a path is in the plan, and what the plan could not do, as typed values. Code decides on
// `kind` (e.g. --strict on the unresolved ones); text is made only at the edges (manifest.lock,
// build warnings, the CLI) by describeReason and describeWarning.

export type Reason =
  | { kind: "entry" }
  | { kind: "parent" }
  | { kind: "interpreter"; of: string }
  | { kind: "needed"; name: string; by: string }
  | { kind: "hwcaps-variant"; of: string }
  | { kind: "loader-config"; of: string }
  | { kind: "shebang"; of: string }
  | { kind: "env-command"; of: string }
  | { kind: "script-command"; of: string }
  /** A traced call by a process running `exe` (no process id: a re-run numbers them anew). */
  | { kind: "trace"; syscall: string; exe: string }
  | { kind: "include"; glob: string }
  | { kind: "rule"; rule: string }
  /** /tmp, /var/tmp and /run, which every rootfs bundle has, as any base image does. */
  | { kind: "base-dir" }
  /** /etc/os-release (and its target), /etc/debian_version: scanners identify the distribution by them. */
  | { kind: "os-identity" };

export type Warning =
  | { kind: "unresolved-library"; name: string; neededBy: string }
  /** A program (interpreter, command) that does not resolve to a file. */
  | { kind: "unresolved-program"; path: string; reason: Reason }
  | { kind: "unresolved-command"; name: string; reason: Reason }
  | { kind: "script-depth"; path: string; depth: number }
  /** A file that looks like ELF but cannot be read as such; the message names it. */
  | { kind: "bad-elf"; message: string }
  | { kind: "symlink-loop"; path: string; reason: Reason }
  /** A library a GPU container runtime injects from the host, left out of the bundle. */
  | { kind: "host-gpu-library"; path: string; reasons: Reason[] }
  | { kind: "nss-module-missing"; service: string }
  /** Something the programs cannot start without, dropped by an --exclude glob. */
  | { kind: "excluded-needed"; path: string; reasons: Reason[]; glob: string }
  /** An --include glob that matches nothing in the source. */
  | { kind: "include-matches-nothing"; glob: string }
  /** Calls of a traced process whose path the tracer could not read: what they named is missing. */
  | { kind: "unreadable-trace-path"; syscall: string; exe: string; calls: number }
  /** The source has another package manager's database (apk, rpm), whose metadata no bundle carries yet. */
  | { kind: "unsupported-package-database"; manager: string };

const UNRESOLVED = new Set<Warning["kind"]>(["unresolved-library", "unresolved-program", "unresolved-command", "excluded-needed"]);

/** What `--strict` turns into an error: something the programs need that the source lacks. */
export function isUnresolved(warning: Warning): boolean {
  return UNRESOLVED.has(warning.kind);
}

export function describeReason(reason: Reason): string {
  switch (reason.kind) {
    case "entry":
    case "parent":
      return reason.kind;
    case "base-dir":
      return "base directory";
    case "os-identity":
      return "names the distribution to scanners";
    case "interpreter":
      return `interpreter of ${reason.of}`;
    case "needed":
      return `elf-needed ${reason.name} by ${reason.by}`;
    case "hwcaps-variant":
      return `glibc-hwcaps variant of ${reason.of}`;
    case "loader-config":
      return `loader configuration of ${reason.of}`;
    case "shebang":
      return `shebang of ${reason.of}`;
    case "env-command":
      return `env command of ${reason.of}`;
    case "script-command":
      return `command in script ${reason.of}`;
    case "trace":
      return `trace: ${reason.syscall} by ${reason.exe}`;
    case "include":
      return `include: ${reason.glob}`;
    case "rule":
      return `rule: ${reason.rule}`;
  }
}

export function describeWarning(warning: Warning): string {
  switch (warning.kind) {
    case "unresolved-library":
      return `unresolved: ${warning.name} needed by ${warning.neededBy}`;
    case "unresolved-program":
      return `unresolved: ${warning.path} (${describeReason(warning.reason)}) is not a file`;
    case "unresolved-command":
      return `unresolved: ${warning.name} (${describeReason(warning.reason)}) is not on PATH`;
    case "script-depth":
      return `${warning.path}: more than ${warning.depth} levels of scripts`;
    case "bad-elf":
      return warning.message;
    case "symlink-loop":
      return `too many levels of symbolic links resolving ${warning.path} (${describeReason(warning.reason)})`;
    case "host-gpu-library":
      return (
        `left out ${warning.path} (${warning.reasons.map(describeReason).join("; ")}): ` +
        "a GPU container runtime injects it from the host; keep it with --allow-gpu-libs"
      );
    case "nss-module-missing":
      return `rule nss: no libnss_${warning.service}.so.2 for nsswitch.conf service ${warning.service}`;
    case "excluded-needed":
      return `unresolved: ${warning.path} (${warning.reasons.map(describeReason).join("; ")}) is removed by --exclude=${warning.glob}`;
    case "include-matches-nothing":
      return `--include=${warning.glob} matches nothing in the source`;
    case "unreadable-trace-path":
      return `trace: ${warning.syscall} by ${warning.exe}: the path of ${warning.calls} call(s) could not be read; what they named is not in the bundle`;
    case "unsupported-package-database":
      return `the source has a ${warning.manager} package database: only Debian's (dpkg) package metadata is carried into bundles, so scanners see no ${warning.manager} packages`;
  }
}

/** A stable key for sorting and deduplicating typed values (built with fixed key order). */
export function keyOf(value: Reason | Warning): string {
  return JSON.stringify(value);
}
