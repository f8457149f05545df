// The source's USER as numbers. --test runs in the bundle, which need not hold the source's
// /etc/passwd, so the user is resolved in the source the way BuildKit resolves it for RUN
// (moby/sys/user GetExecUser): a name or uid from /etc/passwd, an explicit group by name or
// gid from /etc/group, a uid with no entry as gid 0. Supplementary groups do not survive a
// numeric `uid:gid`, the only form BuildKit accepts without a passwd file.
import type { RootFS } from "../closure/index.js";

export interface NumericUser {
  uid: number;
  gid: number;
}

/** `user` as the source resolves it; throws one line when a name is not found. */
export async function numericUser(fs: RootFS, user: string): Promise<NumericUser> {
  const read = (path: string) =>
    fs.readFile(path).then(
      (bytes) => Buffer.from(bytes).toString("utf8"),
      () => undefined,
    );
  return resolveUser(user, await read("/etc/passwd"), await read("/etc/group"));
}

/** GetExecUser's rules over the two files' text (undefined: the file is missing). */
export function resolveUser(spec: string, passwd: string | undefined, group: string | undefined): NumericUser {
  const [userArg, groupArg = ""] = spec.split(":");
  const fast = [id(userArg, true), id(groupArg, true)];
  if (fast[0] !== undefined && fast[1] !== undefined) return { uid: fast[0], gid: fast[1] };

  const uidArg = id(userArg);
  const entry = records(passwd).find((r) => (uidArg !== undefined ? Number(r[2]) === uidArg : r[0] === userArg));
  if (!entry && uidArg === undefined) throw new Error(`USER ${spec}: no user ${userArg} in the source's /etc/passwd`);
  const resolved = entry ? { uid: Number(entry[2]) || 0, gid: Number(entry[3]) || 0 } : { uid: uidArg!, gid: 0 };
  if (groupArg === "") return resolved;

  const gidArg = id(groupArg);
  const groupEntry = records(group).find((r) => (gidArg !== undefined ? Number(r[2]) === gidArg : r[0] === groupArg));
  if (!groupEntry && gidArg === undefined) throw new Error(`USER ${spec}: no group ${groupArg} in the source's /etc/group`);
  return { ...resolved, gid: groupEntry ? Number(groupEntry[2]) || 0 : gidArg! };
}

/** A decimal id (and, in BuildKit's fast path, "root"), else undefined. */
function id(text: string, rootIsZero = false): number | undefined {
  if (rootIsZero && text === "root") return 0;
  return /^\d+$/.test(text) && Number(text) <= 0xffffffff ? Number(text) : undefined;
}

/** The colon-separated fields of each non-empty line. */
function records(text: string | undefined): string[][] {
  return (text ?? "").split("\n").flatMap((line) => (line.trim() ? [line.trim().split(":")] : []));
}
