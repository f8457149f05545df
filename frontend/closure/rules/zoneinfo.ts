// The time zone database. A program that read one zone (or /etc/localtime) reads another when TZ
// says so; one that converts times to local time reads it too with other input even if the traced
// run never did (gawk's strftime, Python's time module): its dynamic symbols name the C library's
// local-time functions. The C library itself, which defines them, is no sign.
import { basename } from "../fs.js";
import { dynamicStrings } from "../elf.js";
import { expandGlob } from "../glob.js";
import type { RuleContext } from "./context.js";

const TRACED = /^\/etc\/localtime$|^\/usr\/share\/zoneinfo(\/|$)/;
const LOCAL_TIME = new Set(["localtime", "localtime_r", "localtime64", "localtime64_r", "mktime", "mktime64", "timelocal", "strftime", "strftime_l", "tzset", "ctime", "ctime_r"]);
const C_LIBRARY = /^(libc\.so\.6|libc\.musl-[^/]+\.so\.1|ld-musl-[^/]+\.so\.1)$/;
const PATHS = ["/usr/share/zoneinfo/**", "/etc/localtime", "/etc/timezone"];

export async function zoneInfo(context: RuleContext): Promise<string[]> {
  if (!context.traced.some((path) => TRACED.test(path)) && !(await convertsLocalTime(context))) return [];
  const paths: string[] = [];
  for (const glob of PATHS) paths.push(...(await expandGlob(context.resolver, glob)));
  return paths;
}

async function convertsLocalTime(context: RuleContext): Promise<boolean> {
  for (const object of context.objects) {
    if (C_LIBRARY.test(basename(object))) continue;
    const strings = await dynamicStrings(context.resolver.fs, object).catch(() => []);
    if (strings.some((name) => LOCAL_TIME.has(name))) return true;
  }
  return false;
}
