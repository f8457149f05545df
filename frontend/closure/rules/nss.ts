// glibc NSS: the modules nsswitch.conf names for the user, group and host databases live next
// to libc as libnss_<service>.so.2. "files" and "dns" are built into libc since glibc 2.34.
import { readText } from "../text.js";
import type { RuleContext } from "./context.js";

const DATABASES = new Set(["passwd", "group", "shadow", "hosts"]);
const BUILT_IN = new Set(["files", "dns"]);

export async function nssModules(context: RuleContext, libdirs: string[]): Promise<string[]> {
  const conf = await readText(context.resolver, "/etc/nsswitch.conf");
  if (conf === undefined) return [];
  const modules: string[] = [];
  for (const service of nssServices(conf)) {
    const candidates = libdirs.map((dir) => `${dir}/libnss_${service}.so.2`);
    const present = [];
    for (const path of candidates) if (await context.resolver.resolve(path)) present.push(path);
    if (present.length === 0) context.warn({ kind: "nss-module-missing", service });
    modules.push(...present);
  }
  return modules;
}

/** Services of the databases we care about, in order; "[NOTFOUND=return]" actions skipped. */
export function nssServices(conf: string): string[] {
  const services = new Set<string>();
  for (const line of conf.split("\n")) {
    const match = /^\s*(\w+)\s*:(.*)$/.exec(line.replace(/#.*/, ""));
    if (!match || !DATABASES.has(match[1]!)) continue;
    for (const word of match[2]!.replace(/\[[^\]]*\]/g, " ").split(/\s+/)) {
      if (word !== "" && !BUILT_IN.has(word)) services.add(word);
    }
  }
  return [...services];
}
