// The package database scanners read in a bundle, as distroless images ship it: one status
// paragraph per package in /var/lib/dpkg/status.d/<package>, and <package>.md5sums listing only
// the package's files that are in the bundle. Files no package owns get no package.
import type { FileActions } from "../../llb/index.js";
import { STATUS_DIR, type Packages } from "../closure/index.js";

export interface MetadataFile {
  path: string;
  content: string;
}

export function packageMetadataFiles(packages: Packages): MetadataFile[] {
  return packages.packages.flatMap((p) => [
    { path: `${STATUS_DIR}/${p.id}`, content: p.status },
    ...(p.md5sums ? [{ path: `${STATUS_DIR}/${p.id}.md5sums`, content: p.md5sums }] : []),
  ]);
}

/** Writes the files under `root` ("" or a portable bundle's /payload), dated `timestamp`. */
export function writeMetadata(actions: FileActions, files: MetadataFile[], root: string, timestamp: bigint): FileActions {
  if (!files.length) return actions;
  let out = actions.mkdir(`${root}${STATUS_DIR}`, 0o755, { parents: true });
  for (const f of files) out = out.mkfile(`${root}${f.path}`, 0o644, f.content, { timestamp });
  return out;
}
