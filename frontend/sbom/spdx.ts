// The SBOM of a platform's bundles as an SPDX 2.3 JSON document, exact to the file: every bundled
// file with its sha256, every Debian package that owns one with its version and purl, and the
// relationships: the document DESCRIBES the image, the image CONTAINS its packages and the files
// no package owns, each package CONTAINS its files. Deterministic: the same bundles give the same
// bytes (the creation time is SOURCE_DATE_EPOCH, else 0).
import { createHash } from "node:crypto";
import type { Distro, OwningPackage, Packages, Plan } from "../closure/index.js";

export interface SbomBundle {
  plan: Plan;
  digests: Record<string, string>;
  packages: Packages;
  /** Files the bundle adds to the plan's (package metadata), with their sha256. */
  added: { path: string; sha256: string }[];
  /** Where the plan's paths are in the image: "" (a root filesystem bundle) or <prefix>/payload. */
  root: string;
}

export interface SbomOptions {
  /** The image's name in the document, e.g. the Dockerfile and platform. */
  name: string;
  /** Seconds since 1970 (SOURCE_DATE_EPOCH). */
  created: number;
}

/** The predicate type BuildKit recognises as an SBOM (its own scanner's, in-toto's SPDX). */
export const SPDX_PREDICATE = "https://spdx.dev/Document";

interface Relationship {
  spdxElementId: string;
  relationshipType: "DESCRIBES" | "CONTAINS";
  relatedSpdxElement: string;
}

const IMAGE_ID = "SPDXRef-Image";

export function spdxDocument(bundles: SbomBundle[], opts: SbomOptions): object {
  const packages = new Map<string, { pkg: OwningPackage; distro?: Distro }>();
  const files = new Map<string, { sha256: string; owner?: string }>();
  for (const b of bundles) {
    for (const p of b.packages.packages) packages.set(packageId(p), { pkg: p, distro: b.packages.distro });
    const byId = new Map(b.packages.packages.map((p) => [p.id, packageId(p)]));
    for (const e of b.plan.entries) {
      if (e.kind !== "file") continue;
      const owner = byId.get(b.packages.owners[e.path] ?? "");
      files.set(`${b.root}${e.path}`, { sha256: b.digests[e.path]!, ...(owner && { owner }) });
    }
    for (const f of b.added) files.set(`${b.root}${f.path}`, { sha256: f.sha256 });
  }
  const sortedFiles = [...files].sort(([a], [b]) => (a < b ? -1 : 1));
  const fileIds = new Map(sortedFiles.map(([path], i) => [path, `SPDXRef-File-${i + 1}`]));
  const relationships: Relationship[] = [{ spdxElementId: "SPDXRef-DOCUMENT", relationshipType: "DESCRIBES", relatedSpdxElement: IMAGE_ID }];
  const sortedPackages = [...packages].sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [id] of sortedPackages) relationships.push({ spdxElementId: IMAGE_ID, relationshipType: "CONTAINS", relatedSpdxElement: id });
  for (const [path, f] of sortedFiles) relationships.push({ spdxElementId: f.owner ?? IMAGE_ID, relationshipType: "CONTAINS", relatedSpdxElement: fileIds.get(path)! });
  const body = {
    spdxVersion: "SPDX-2.3",
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: opts.name,
    creationInfo: { created: new Date(opts.created * 1000).toISOString().replace(/\.\d+Z$/, "Z"), creators: ["Tool: sidebundle"] },
    packages: [
      { SPDXID: IMAGE_ID, name: opts.name, downloadLocation: "NOASSERTION", filesAnalyzed: false, primaryPackagePurpose: "CONTAINER" },
      ...sortedPackages.map(([id, { pkg, distro }]) => debPackage(id, pkg, distro)),
    ],
    files: sortedFiles.map(([path, f]) => ({ SPDXID: fileIds.get(path)!, fileName: path, checksums: [{ algorithm: "SHA256", checksumValue: f.sha256 }] })),
    relationships,
  };
  // A namespace unique to the content, as SPDX asks, without a clock or a random number.
  const digest = createHash("sha256").update(JSON.stringify(body)).digest("hex");
  return { ...body, documentNamespace: `https://sidebundle.invalid/spdx/${digest}` };
}

function packageId(p: OwningPackage): string {
  return `SPDXRef-Package-deb-${p.name}-${p.architecture}`.replace(/[^A-Za-z0-9.-]/g, "-");
}

function debPackage(id: string, p: OwningPackage, distro: Distro | undefined): object {
  return {
    SPDXID: id,
    name: p.name,
    versionInfo: p.version,
    downloadLocation: "NOASSERTION",
    filesAnalyzed: false,
    primaryPackagePurpose: "LIBRARY",
    externalRefs: [{ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: debPurl(p, distro) }],
  };
}

/** pkg:deb/<distro id>/<name>@<version>?arch=<arch>&distro=<id>-<version id>, as scanners write it. */
export function debPurl(p: OwningPackage, distro: Distro | undefined): string {
  const namespace = distro?.id ?? "debian";
  const qualifiers = [`arch=${encodeURIComponent(p.architecture)}`, ...(distro?.versionId ? [`distro=${encodeURIComponent(`${distro.id}-${distro.versionId}`)}`] : [])];
  return `pkg:deb/${namespace}/${encodeURIComponent(p.name)}@${encodeURIComponent(p.version)}?${qualifiers.join("&")}`;
}
