// Scripts: the interpreter line as the kernel reads it (the first 256 bytes; the interpreter and
// at most one argument string), `/usr/bin/env` with its options and `-S` splitting, and the
// commands a shell script plainly runs.

/** Linux reads this much of a script for its "#!" line (BINPRM_BUF_SIZE). */
export const SHEBANG_BYTES = 256;

export interface Shebang {
  interpreter: string;
  /** The rest of the line, as the kernel passes it: one argument, unsplit. */
  argument?: string;
  /** For `env`: the command it runs, looked up on PATH (unless it contains a slash). */
  command?: string;
}

export function parseShebang(head: Uint8Array): Shebang | undefined {
  if (head[0] !== 0x23 || head[1] !== 0x21) return undefined;
  const text = Buffer.from(head).toString("latin1");
  const line = text.slice(2, text.includes("\n") ? text.indexOf("\n") : undefined).trim();
  const match = /^(\S+)(?:\s+(.*))?$/.exec(line);
  if (!match) return undefined;
  const shebang: Shebang = { interpreter: match[1]! };
  if (match[2]) shebang.argument = match[2];
  if (/(^|\/)env$/.test(shebang.interpreter) && shebang.argument) {
    const command = envCommand(shebang.argument.split(/\s+/));
    if (command) shebang.command = command;
  }
  return shebang;
}

/** The program env(1) would run given these arguments: options and NAME=VALUE skipped. */
function envCommand(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "-S" || arg === "--split-string") continue; // the rest is split: keep scanning
    if (arg.startsWith("-S")) return envCommand([arg.slice(2), ...args.slice(i + 1)]);
    if (["-u", "--unset", "-C", "--chdir"].includes(arg)) i++;
    else if (!arg.startsWith("-") && !arg.includes("=")) return arg;
  }
  return undefined;
}

const SHELLS = /(^|\/)(sh|bash|dash|ash|ksh|mksh|zsh|busybox)$/;
const KEYWORDS = new Set(
  ("if then else elif fi case esac for while until do done in function select time " +
    "echo printf read cd pwd export unset set shift exit return local declare readonly " +
    "eval exec source test true false trap wait break continue alias type command builtin getopts umask ulimit").split(" "),
);

export function isShell(interpreter: string): boolean {
  return SHELLS.test(interpreter);
}

/**
 * Command names in command position of a shell script: at the start of a line or after
 * `;`, `|`, `&`, `(`, `$(`, `` ` ``, `&&`, `||`, `then`, `do`. Keywords and builtins are not
 * commands; relative paths (the script's working directory is unknown), variables, quoting
 * and anything dynamic are ignored on purpose.
 */
export function shellCommands(script: string): string[] {
  const names = new Set<string>();
  for (const raw of script.split("\n")) {
    const line = raw.replace(/(^|\s)#.*$/, "");
    for (const segment of line.split(/;|\|\|?|&&?|\$\(|\(|`|\b(?:then|do|else)\b/)) {
      const word = /^\s*(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*(?:(?:exec|command|nohup|time)\s+)*([A-Za-z0-9_./+-]+)(?=\s|$)/.exec(segment)?.[1];
      if (word && isCommandName(word)) names.add(word);
    }
  }
  return [...names].sort();
}

function isCommandName(word: string): boolean {
  const relative = word.includes("/") && !word.startsWith("/");
  return !relative && !KEYWORDS.has(word) && !word.startsWith("-") && /[A-Za-z]/.test(word);
}
