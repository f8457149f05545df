// --mkdir and --install-to make directories among the bundle's files. A file in the way is the
// user's mistake: it is found here, before BuildKit meets it and names a path on its host.
import type { Plan, PlanEntry } from "../closure/index.js";

const MAX_LINKS = 40;

/** The file of the plan that `dir` or one of its parents is, following the plan's symlinks. */
export function fileInTheWay(plan: Plan, dir: string): string | undefined {
  const entries = new Map<string, PlanEntry>(plan.entries.map((e) => [e.path, e]));
  const rest = dir.split("/");
  let at = "";
  for (let links = 0; rest.length; ) {
    const part = rest.shift()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      at = at.slice(0, at.lastIndexOf("/"));
      continue;
    }
    const path = `${at}/${part}`;
    const entry = entries.get(path);
    if (entry?.kind === "file") return path;
    if (entry?.kind === "symlink" && links++ < MAX_LINKS) {
      rest.unshift(...entry.target.split("/"));
      if (entry.target.startsWith("/")) at = "";
      continue;
    }
    at = path;
  }
  return undefined;
}
