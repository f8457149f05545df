// Files that programs load at run time without any ELF reference, as data: when a rule
// applies (a library in the closure, or a path the trace touched) its paths are added if they
// exist. "$LIBDIR" stands for each directory holding a triggering library (or glibc's libc).
// Globs follow glob.ts. The custom parts (families of plugins and packages, NSS modules, message
// catalogs) are in sibling files. Families come first: what they add may trigger the rest.
// A user trims a rule with --skip-rule=<name>.
import type { RuleContext } from "./context.js";
import { messageCatalogs } from "./locale.js";
import { nssModules } from "./nss.js";
import { pluginDirectories } from "./plugins.js";
import { programData } from "./program-data.js";
import { pythonStdlib } from "./python-stdlib.js";
import { pythonPackages } from "./python.js";
import { zoneInfo } from "./zoneinfo.js";

export interface RuntimeRule {
  name: string;
  /** Applies when a library in the closure has a matching file name. */
  library?: RegExp;
  /** Applies when the counted trace touched a matching path (successfully or not). */
  traced?: RegExp;
  paths: string[];
  /** More paths, computed from the closure. */
  more?: (context: RuleContext, libdirs: string[]) => Promise<string[]>;
}

export const RUNTIME_RULES: RuntimeRule[] = [
  { name: "zoneinfo", paths: [], more: zoneInfo },
  { name: "plugins", paths: [], more: pluginDirectories },
  { name: "python-stdlib", paths: [], more: pythonStdlib },
  { name: "python-packages", paths: [], more: pythonPackages },
  { name: "program-data", paths: [], more: programData },
  {
    // Loading a module means iconv to a charset glibc does not build in, and the next run may
    // ask for another one. (Every setlocale() reads gconv-modules.cache: not a trigger.)
    name: "gconv",
    traced: /\/gconv\/[^/]+\.so$/,
    paths: ["$LIBDIR/gconv/**"],
  },
  {
    name: "locale",
    traced: /\/locale\/|\/locale-archive$/,
    paths: ["/usr/lib/locale/locale-archive", "/usr/lib/locale/C.utf8/**", "/usr/share/locale/locale.alias"],
    more: messageCatalogs,
  },
  {
    name: "nss",
    library: /^libc\.so\.6$/,
    paths: ["/etc/nsswitch.conf", "/etc/passwd", "/etc/group", "/etc/hosts", "/etc/host.conf", "/etc/gai.conf"],
    more: nssModules,
  },
  {
    name: "tls",
    library: /^lib(ssl|crypto|gnutls)\.so/,
    paths: [
      "/etc/ssl/certs/ca-certificates.crt",
      "/etc/ssl/openssl.cnf",
      "/etc/ssl/cert.pem",
      "/etc/pki/tls/certs/ca-bundle.crt",
      "/usr/lib/ssl/openssl.cnf",
      "/usr/lib/ssl/cert.pem",
      "/usr/lib/ssl/certs",
      "/etc/gnutls/config",
      "$LIBDIR/ossl-modules/*.so",
      "$LIBDIR/engines-3/*.so",
    ],
  },
];

export const RULE_NAMES = RUNTIME_RULES.map((rule) => rule.name);

/** Throws, naming the known rules, when a name is not one of them. */
export function checkRuleNames(names: string[]): void {
  const unknown = names.find((name) => !RULE_NAMES.includes(name));
  if (unknown !== undefined) throw new Error(`unknown rule "${unknown}": the rules are ${RULE_NAMES.join(", ")}`);
}
