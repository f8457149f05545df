// Python's standard library. A Python that imported from it imports more of it with other input
// (a request handler's lazy `import csv`, zoneinfo for a zone the trace never asked for), and an
// exception handler needs modules (traceback, linecache) that a clean run never loads: so the
// library is kept whole, but for what no program imports at run time (its tests, IDLE, Tk, the
// turtle demos, ensurepip, lib2to3, the build configuration) and the third-party site directories.
// The landmark: every Python start looks up <prefix>/lib/python3.X/os.py.
import { expandGlob } from "../glob.js";
import type { RuleContext } from "./context.js";

const LANDMARK = /^(\/(?:usr\/(?:local\/)?)?lib\/python3\.\d+)\/os\.py$/;
const LEFT_OUT = /^(test|idlelib|tkinter|turtledemo|ensurepip|lib2to3|site-packages|dist-packages|config-[^/]*)(\/|$)/;

export async function pythonStdlib(context: RuleContext): Promise<string[]> {
  const roots = new Set(context.traced.flatMap((path) => LANDMARK.exec(path)?.[1] ?? []));
  const paths: string[] = [];
  for (const root of [...roots].sort()) {
    for (const path of await expandGlob(context.resolver, `${root}/**`)) {
      if (!LEFT_OUT.test(path.slice(root.length + 1))) paths.push(path);
    }
  }
  return paths;
}
