// The `sidebundle` command (package.json's bin, bundled by scripts/build.mjs into
// dist/sidebundle.js). Errors are one line on stderr; the exit status tells a usage mistake (2)
// from a failure (1).
import { bundleCommand } from "./bundle.js";
import { BUNDLE_USAGE, parseBundleArgs } from "./bundle-args.js";
import { closureCommand, CLOSURE_USAGE } from "./closure.js";
import { EXIT_FAILURE, EXIT_USAGE, UsageError } from "./errors.js";

const USAGE = `usage: sidebundle <command> [flags]

commands:
  bundle    bundle programs of this machine or of an image into a directory
            (sidebundle bundle --help)
  closure   print the closure plan over a root directory, with reasons (debugging)

Exit status: 0 done, 1 failed, 2 usage error.`;

const HELP = new Set(["-h", "--help", "help"]);

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError("no command: sidebundle bundle … or sidebundle closure …");
  if (HELP.has(command)) return print(USAGE);
  if (command === "bundle") {
    const args = parseBundleArgs(rest, process.env);
    return args ? bundleCommand(args) : print(BUNDLE_USAGE);
  }
  if (command === "closure") return rest.some((a) => HELP.has(a)) ? print(CLOSURE_USAGE) : closureCommand(rest);
  throw new UsageError(`unknown command ${JSON.stringify(command)}`);
}

function print(text: string): void {
  process.stdout.write(text + "\n");
}

/** node:util parseArgs' own mistakes (an unknown flag, a missing value) are usage errors too. */
function isUsage(error: Error): boolean {
  return error instanceof UsageError || String((error as NodeJS.ErrnoException).code ?? "").startsWith("ERR_PARSE_ARGS");
}

main(process.argv.slice(2)).catch((error: Error) => {
  const usage = isUsage(error);
  const hint = usage ? " (sidebundle --help)" : "";
  process.stderr.write(`sidebundle: ${error.message.split("\n")[0]}${hint}\n`);
  process.exitCode = usage ? EXIT_USAGE : EXIT_FAILURE;
});
