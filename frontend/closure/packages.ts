// Which Debian package owns each bundled file, read from the source's dpkg database through the
// RootFS like everything else: /var/lib/dpkg/info/<pkg>[:<arch>].list (ownership),
// /var/lib/dpkg/diversions, /var/lib/dpkg/status (the paragraphs) and <pkg>.md5sums. A listed path
// is compared by where it really is: /lib/x86_64-linux-gnu/libc.so.6 is bundled as /usr/lib/...
// on a merged /usr. Scanners (trivy, grype, syft) read the result the way distroless images ship
// it: /var/lib/dpkg/status.d/<package> and <package>.md5sums (assemble writes them).
import { createHash } from "node:crypto";
import { basename, dirname, pathFromBytes } from "./fs.js";
import type { Plan } from "./plan.js";
import type { Warning } from "./reasons.js";
import { Resolver } from "./resolve.js";
import { readText } from "./text.js";
import type { RootFS } from "./fs.js";

export interface DebPackage {
  name: string;
  version: string;
  architecture: string;
}

export interface OwningPackage extends DebPackage {
  /** The file name under status.d: the package's name, or name:arch when two architectures own files. */
  id: string;
  /** The package's paragraph of the source's /var/lib/dpkg/status, as it stands there. */
  status: string;
  /** dpkg's md5sums lines (`<md5>  <path without its leading slash>`) of its bundled files, sorted. */
  md5sums: string;
}

/** The distribution, from os-release: purls name it (`distro=debian-12`). */
export interface Distro {
  id: string;
  versionId?: string;
}

export interface Packages {
  /** Every package that owns a bundled file or symlink, sorted by id. */
  packages: OwningPackage[];
  /** Bundled file or symlink → the id of the package that owns it (absent: none does). */
  owners: Record<string, string>;
  distro?: Distro;
}

const INFO = "/var/lib/dpkg/info";
export const STATUS_DIR = "/var/lib/dpkg/status.d";
/** Databases of package managers whose metadata is not carried into bundles (yet). */
const OTHER_DATABASES: { manager: string; path: string }[] = [
  { manager: "apk", path: "/lib/apk/db/installed" },
  { manager: "rpm", path: "/var/lib/rpm" },
  { manager: "rpm", path: "/usr/lib/sysimage/rpm" },
];

/** The packages owning the plan's files and symlinks (directories are shared, so never count). */
export async function owningPackages(fs: RootFS, plan: Plan): Promise<Packages> {
  const resolver = new Resolver(fs);
  const bundled = new Map(plan.entries.filter((e) => e.kind !== "dir").map((e) => [e.path, e.kind]));
  const lists = (await resolver.lstat(INFO))?.type === "dir" ? (await fs.readdir(INFO)).filter((n) => n.endsWith(".list")).sort() : [];
  const diversions = await readDiversions(resolver);
  const listedBy = new Map<string, string[]>();
  for (const list of lists) {
    const key = list.slice(0, -".list".length);
    const name = key.split(":")[0]!;
    for (const path of await readLines(fs, `${INFO}/${list}`)) {
      const diverted = diversions.get(path);
      const real = await realPath(resolver, diverted && diverted.by !== name ? diverted.to : path);
      if (bundled.has(real)) listedBy.set(real, [...(listedBy.get(real) ?? []), key]);
    }
  }
  const owners = new Map<string, string>();
  const files = new Map<string, string[]>();
  for (const [path, keys] of listedBy) {
    // Packages list directories; one that is a symlink in the source (/bin on a merged /usr) is
    // then a path several packages list, and none of them owns the link.
    if (keys.length > 1 && (await isDirLink(resolver, path))) continue;
    owners.set(path, keys[0]!);
    files.set(keys[0]!, [...(files.get(keys[0]!) ?? []), path]);
  }
  const paragraphs = parseStatus((await readText(resolver, "/var/lib/dpkg/status")) ?? "");
  const packages: OwningPackage[] = [];
  for (const [key, owned] of files) {
    const paragraph = findParagraph(paragraphs, key);
    if (!paragraph) continue;
    const md5sums = await md5Lines(fs, resolver, key, owned.filter((p) => bundled.get(p) === "file"));
    packages.push({ id: key, ...paragraph.pkg, status: paragraph.text, md5sums });
  }
  const ids = statusNames(packages);
  const named = packages.map((p) => ({ ...p, id: ids.get(p.id)! })).sort((a, b) => (a.id < b.id ? -1 : 1));
  const owner = Object.fromEntries([...owners].filter(([, key]) => ids.has(key)).map(([path, key]) => [path, ids.get(key)!]).sort(([a], [b]) => (a < b ? -1 : 1)));
  const distro = await readDistro(resolver);
  return { packages: named, owners: owner, ...(distro && { distro }) };
}

/** A warning per package database of another kind in the source: its metadata is not carried. */
export async function otherPackageDatabases(fs: RootFS): Promise<Warning[]> {
  const resolver = new Resolver(fs);
  const found = new Set<string>();
  for (const { manager, path } of OTHER_DATABASES) if (await resolver.resolve(path).catch(() => undefined)) found.add(manager);
  return [...found].map((manager) => ({ kind: "unsupported-package-database", manager }));
}

/** Where a listed path really is: its directories resolved (/lib → /usr/lib), the name kept. */
async function realPath(resolver: Resolver, path: string): Promise<string> {
  const dir = await resolver.resolve(dirname(path)).catch(() => undefined);
  if (!dir) return path;
  return dir.path === "/" ? `/${basename(path)}` : `${dir.path}/${basename(path)}`;
}

async function isDirLink(resolver: Resolver, path: string): Promise<boolean> {
  if ((await resolver.lstat(path))?.type !== "symlink") return false;
  return (await resolver.resolve(path).catch(() => undefined))?.stat.type === "dir";
}

/** Lines of a file as paths (bytes that are not UTF-8 escaped as the plan's are). */
async function readLines(fs: RootFS, path: string): Promise<string[]> {
  const bytes = Buffer.from(await fs.readFile(path));
  const lines: string[] = [];
  for (let start = 0; start < bytes.length; ) {
    const end = bytes.indexOf(0x0a, start);
    const line = bytes.subarray(start, end < 0 ? bytes.length : end);
    if (line.length) lines.push(pathFromBytes(line));
    start = end < 0 ? bytes.length : end + 1;
  }
  return lines;
}

/** /var/lib/dpkg/diversions: triples of lines (path, where it was moved, the diverting package). */
async function readDiversions(resolver: Resolver): Promise<Map<string, { to: string; by: string }>> {
  const lines = ((await readText(resolver, "/var/lib/dpkg/diversions")) ?? "").split("\n");
  const diversions = new Map<string, { to: string; by: string }>();
  for (let i = 0; i + 2 < lines.length; i += 3) diversions.set(lines[i]!, { to: lines[i + 1]!, by: lines[i + 2]! });
  return diversions;
}

interface Paragraph {
  pkg: DebPackage;
  installed: boolean;
  text: string;
}

function parseStatus(text: string): Paragraph[] {
  return text
    .split(/\n\s*\n/)
    .filter((p) => p.trim())
    .map((p) => {
      const field = (name: string) => new RegExp(`^${name}: *(.*)$`, "m").exec(p)?.[1]?.trim() ?? "";
      const pkg = { name: field("Package"), version: field("Version"), architecture: field("Architecture") };
      return { pkg, installed: / installed$/.test(field("Status")), text: `${p.trim()}\n` };
    });
}

/** The installed paragraph of `name` or `name:arch` (a .list file's name). */
function findParagraph(paragraphs: Paragraph[], key: string): Paragraph | undefined {
  const [name, arch] = key.split(":");
  return paragraphs.find((p) => p.installed && p.pkg.name === name && (arch === undefined || p.pkg.architecture === arch));
}

/** md5sums lines for the bundled files: dpkg's, else computed (conffiles are not in md5sums). */
async function md5Lines(fs: RootFS, resolver: Resolver, key: string, owned: string[]): Promise<string> {
  const known = new Map<string, string>();
  const listed = (await resolver.lstat(`${INFO}/${key}.md5sums`)) ? await readLines(fs, `${INFO}/${key}.md5sums`) : [];
  for (const line of listed) {
    const match = /^([0-9a-f]{32}) {2}(.*)$/.exec(line);
    if (match) known.set(await realPath(resolver, `/${match[2]}`), match[1]!);
  }
  const lines: string[] = [];
  for (const path of [...owned].sort()) lines.push(`${known.get(path) ?? (await md5(fs, path))}  ${path.slice(1)}\n`);
  return lines.join("");
}

async function md5(fs: RootFS, path: string): Promise<string> {
  return createHash("md5").update(await fs.readFile(path)).digest("hex");
}

/** status.d file names: the package's name, or name:arch for a name two architectures share. */
function statusNames(packages: OwningPackage[]): Map<string, string> {
  const count = new Map<string, number>();
  for (const p of packages) count.set(p.name, (count.get(p.name) ?? 0) + 1);
  return new Map(packages.map((p) => [p.id, count.get(p.name)! > 1 ? `${p.name}:${p.architecture}` : p.name]));
}

/** ID and VERSION_ID of /etc/os-release (else /usr/lib/os-release). */
async function readDistro(resolver: Resolver): Promise<Distro | undefined> {
  const text = (await readText(resolver, "/etc/os-release")) ?? (await readText(resolver, "/usr/lib/os-release"));
  if (!text) return undefined;
  const value = (key: string) => new RegExp(`^${key}=(?:"([^"]*)"|'([^']*)'|(.*))$`, "m").exec(text)?.slice(1).find((v) => v !== undefined);
  const id = value("ID");
  if (!id) return undefined;
  const versionId = value("VERSION_ID");
  return { id, ...(versionId && { versionId }) };
}
