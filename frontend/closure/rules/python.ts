// Python packages: a package the traced imports used (its __init__.py, or the cached one, was
// looked up) is kept whole, its sibling modules, subpackages, extension modules and data, since
// another input imports another module of it. Only directories with an __init__.py count, so a
// stdlib or site-packages root is never taken whole.
import { dirname } from "../fs.js";
import { expandGlob } from "../glob.js";
import type { RuleContext } from "./context.js";

const PACKAGE_INIT = /^(.*)\/(?:__pycache__\/)?__init__\.(?:py|[^/]*\.pyc)$/;

export async function pythonPackages(context: RuleContext): Promise<string[]> {
  const packages = new Set<string>();
  for (const path of context.traced) {
    const dir = PACKAGE_INIT.exec(path)?.[1];
    if (dir && (await context.resolver.resolve(`${dir}/__init__.py`))?.stat.type === "file") packages.add(dir);
  }
  const outermost = [...packages].sort().filter((dir) => !hasAncestorIn(dir, packages));
  const paths: string[] = [];
  for (const dir of outermost) paths.push(...(await expandGlob(context.resolver, `${dir}/**`)));
  return paths;
}

function hasAncestorIn(dir: string, dirs: Set<string>): boolean {
  for (let up = dirname(dir); up !== "/"; up = dirname(up)) if (dirs.has(up)) return true;
  return false;
}
