// The package database scanners read in a bundle, as distroless images ship it: one status
// paragraph per package in /var/lib/dpkg/status.d/<package>, and <package>.md5sums listing only
// the package's files that are in the bundle. Files no package owns get no package.
import { createHash } from "node:crypto";
import type { FileActions } from "../../llb/index.js";
import { STATUS_DIR, type Packages } from "../closure/index.js";

export interface MetadataFile {
  path: string;
  content: string;
  sha256: string;
}

export const METADATA_MODE = 0o644;

export function packageMetadataFiles(packages: Packages): MetadataFile[] {
  const file = (path: string, content: string) => ({ path, content, sha256: createHash("sha256").update(content).digest("hex") });
  return packages.packages.flatMap((p) => [file(`${STATUS_DIR}/${p.id}`, p.status), ...(p.md5sums ? [file(`${STATUS_DIR}/${p.id}.md5sums`, p.md5sums)] : [])]);
}

/** Writes the files under `root` ("" or a portable bundle's /payload), dated `timestamp`. */
export function writeMetadata(actions: FileActions, files: MetadataFile[], root: string, timestamp: bigint): FileActions {
  if (!files.length) return actions;
  let out = actions.mkdir(`${root}${STATUS_DIR}`, 0o755, { parents: true });
  for (const f of files) out = out.mkfile(`${root}${f.path}`, METADATA_MODE, f.content, { timestamp });
  return out;
}
