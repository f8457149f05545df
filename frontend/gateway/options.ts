// Frontend options arrive as BUILDKIT_FRONTEND_OPT_<i>=<key>=<value> environment variables
// (in random order; values may hold '=' and newlines).
export type FrontendOptions = Record<string, string>;

export function frontendOptions(env: NodeJS.ProcessEnv = process.env): FrontendOptions {
  const opts: FrontendOptions = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("BUILDKIT_FRONTEND_OPT_") || value === undefined) continue;
    const eq = value.indexOf("=");
    if (eq < 0) opts[value] = "";
    else opts[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return opts;
}
