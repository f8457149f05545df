// Message catalogs: a text domain the trace looked up (bindtextdomain tries
// <dir>/<lang>/LC_MESSAGES/<domain>.mo, usually missing for the traced language) is kept in
// every language the image has.
import { expandGlob } from "../glob.js";
import type { RuleContext } from "./context.js";

const CATALOG = /^(.*\/locale)\/[^/]+\/LC_MESSAGES\/([^/]+\.mo)$/;

export async function messageCatalogs(context: RuleContext): Promise<string[]> {
  const globs = new Set<string>();
  for (const path of context.traced) {
    const match = CATALOG.exec(path);
    if (match) globs.add(`${match[1]}/*/LC_MESSAGES/${match[2]}`);
  }
  const paths: string[] = [];
  for (const glob of [...globs].sort()) paths.push(...(await expandGlob(context.resolver, glob)));
  return paths;
}
