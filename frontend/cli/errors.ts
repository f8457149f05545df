// The CLI's two kinds of failure, told apart by their exit status: a mistake in the command line
// (2, with a pointer to --help) and anything else that stopped the work (1).
export class UsageError extends Error {}

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** What `f` throws, as a usage error: a parser's message about the command line. */
export function asUsage<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
