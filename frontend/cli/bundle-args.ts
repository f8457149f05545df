// `sidebundle bundle`'s command line: BUNDLE's own flags, read by BUNDLE's own parser (so they
// mean the same), in either `--flag value` or `--flag=value` form, plus the CLI's: where the
// programs come from, where the bundle goes, and whether progress is shown.
import { bundleFlagKind, duration, parseBundleWords, type BundleSpec } from "../dockerfile/bundle-spec.js";
import { DEFAULT_LIMIT_MS, sourceDateEpoch } from "../bundle/layout-inputs.js";
import { asUsage, UsageError } from "./errors.js";
import { LAYOUTS } from "./layouts.js";

export interface BundleArgs {
  spec: BundleSpec;
  out: string;
  /** --from-image: a `docker save` archive, an OCI layout (directory or archive) or an image name. */
  image?: string;
  progress: boolean;
  /** SOURCE_DATE_EPOCH in nanoseconds, from the environment. */
  epoch?: bigint;
  /** Milliseconds a --trace without --trace-timeout may run (SIDEBUNDLE_TIMEOUT). */
  limit: number;
}

/** The layouts' names, as the writers registered in layouts.ts. */
const LAYOUT_NAMES = Object.keys(LAYOUTS).join("|");

export const BUNDLE_USAGE = `usage: sidebundle bundle [--from-image IMAGE] [--layout ${LAYOUT_NAMES}] [--trace CMD]... [flags] ENTRY... -o OUT

Bundles programs and everything they need into OUT, from this machine's root (the tracer runs
the --trace commands here) or, with --from-image, from an image's layers, read without running
anything (a --trace then runs in a container of the image and needs a Docker engine).

  -o, --output DIR          where the bundle goes (a new or empty directory)
  --from-image IMAGE        a \`docker save\` archive, an OCI layout directory or archive, or an
                            image name of the Docker engine DOCKER_HOST names
  --layout NAME             ${LAYOUT_NAMES}: files at their paths (rootfs, the default), or
                            a relocatable bundle with launchers (portable)
  --prefix DIR              with --layout portable: where the bundle goes inside OUT
  --trace CMD               run CMD under the tracer, keep every file it touches (repeatable;
                            shell form, or a JSON array for exec form)
  --trace-stdin TEXT, --trace-env K=V, --trace-timeout DUR, --trace-workdir DIR
  --include GLOB, --exclude GLOB, --mkdir PATH[:MODE], --install-to DIR
  --skip-rule NAME, --strict, --allow-gpu-libs
  --progress                show progress on stderr even when it is not a terminal
  -h, --help                this text

Flags mean what BUNDLE's do (README.md). Environment: SOURCE_DATE_EPOCH (times),
SIDEBUNDLE_TIMEOUT (how long a --trace may run, default 10m). Exit status: 0 done, 1 failed,
2 usage error.`;

/** BUNDLE flags with no meaning outside a Dockerfile build, and why. */
const NOT_HERE: Record<string, string> = {
  from: "the CLI bundles this machine's root, or an image given with --from-image",
  env: "the CLI writes files, not an image config",
  test: "the CLI does not run --test; run the bundle yourself",
  "test-stdin": "the CLI does not run --test",
  "test-stdout": "the CLI does not run --test",
  "test-timeout": "the CLI does not run --test",
};

/** undefined when --help was asked for. */
export function parseBundleArgs(argv: string[], env: NodeJS.ProcessEnv): BundleArgs | undefined {
  const words: string[] = [];
  let out: string | undefined;
  let image: string | undefined;
  let progress = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      words.push(...argv.slice(i + 1).map(entryWord));
      break;
    }
    if (arg === "-h" || arg === "--help") return undefined;
    if (arg === "--progress") {
      progress = true;
      continue;
    }
    if (!arg.startsWith("-")) {
      words.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") ? arg.slice(2, eq < 0 ? undefined : eq) : arg;
    const value = (): string => {
      if (eq >= 0) return arg.slice(eq + 1);
      if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
      return argv[++i];
    };
    if (name === "-o" || name === "output") out = once(out, value(), "--output");
    else if (name === "from-image") image = once(image, value(), "--from-image");
    else if (Object.hasOwn(NOT_HERE, name)) throw new UsageError(`--${name}: ${NOT_HERE[name]}`);
    else if (bundleFlagKind(name) === "valued") words.push(`--${name}=${value()}`);
    else if (bundleFlagKind(name) === "boolean") words.push(arg);
    else throw new UsageError(`unknown flag ${arg}`);
  }
  if (out === undefined) throw new UsageError("-o OUT is required: the directory the bundle is written to");
  const spec = asUsage(() => parseBundleWords([`--from=${image ?? "host"}`, ...words]));
  return { spec, out, image, progress, epoch: asUsage(() => sourceDateEpoch(env.SOURCE_DATE_EPOCH)), limit: limit(env) };
}

/** An entry that starts with "--" after "--" is still an entry: BUNDLE's parser sees a path. */
function entryWord(word: string): string {
  if (word.startsWith("--")) throw new UsageError(`${word}: an entry is a path or a program name`);
  return word;
}

function once(previous: string | undefined, value: string, flag: string): string {
  if (previous !== undefined) throw new UsageError(`${flag} is given twice: it takes one value`);
  return value;
}

function limit(env: NodeJS.ProcessEnv): number {
  const value = env.SIDEBUNDLE_TIMEOUT;
  return value === undefined ? DEFAULT_LIMIT_MS : asUsage(() => duration(value, "SIDEBUNDLE_TIMEOUT"));
}
