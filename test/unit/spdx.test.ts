// The SPDX document of bundles, on a hand-made plan: files with their digests, packages with
// purls, relationships, and the same bytes for the same bundles.
import { describe, expect, it } from "vitest";
import type { OwningPackage, Plan } from "../../frontend/closure/index.js";
import { spdxDocument, type SbomBundle } from "../../frontend/sbom/spdx.js";

const libc: OwningPackage = { id: "libc6", name: "libc6", version: "2.36-9+deb12u4", architecture: "amd64", status: "Package: libc6\n", md5sums: "" };
const zlib: OwningPackage = { id: "zlib1g", name: "zlib1g", version: "1:1.2.13.dfsg-1", architecture: "amd64", status: "Package: zlib1g\n", md5sums: "" };
const plan: Plan = {
  entries: [
    { kind: "dir", path: "/usr", mode: 0o755, reasons: [] },
    { kind: "file", path: "/usr/bin/tool", size: 1, mode: 0o755, reasons: [{ kind: "entry" }] },
    { kind: "file", path: "/usr/lib/libc.so.6", size: 1, mode: 0o755, reasons: [] },
    { kind: "file", path: "/usr/lib/libz.so.1.2.13", size: 1, mode: 0o644, reasons: [] },
    { kind: "symlink", path: "/usr/lib/libz.so.1", target: "libz.so.1.2.13", reasons: [] },
  ],
  warnings: [],
};
const bundle: SbomBundle = {
  plan,
  digests: { "/usr/bin/tool": "a".repeat(64), "/usr/lib/libc.so.6": "b".repeat(64), "/usr/lib/libz.so.1.2.13": "c".repeat(64) },
  packages: { packages: [libc, zlib], owners: { "/usr/lib/libc.so.6": "libc6", "/usr/lib/libz.so.1.2.13": "zlib1g", "/usr/lib/libz.so.1": "zlib1g" }, distro: { id: "debian", versionId: "12" } },
  added: [{ path: "/var/lib/dpkg/status.d/libc6", sha256: "d".repeat(64) }],
  root: "",
};

type Doc = {
  files: { SPDXID: string; fileName: string; checksums: unknown[] }[];
  packages: { SPDXID: string; name: string; versionInfo?: string; externalRefs?: { referenceLocator: string }[] }[];
  relationships: { spdxElementId: string; relationshipType: string; relatedSpdxElement: string }[];
  creationInfo: { created: string };
};

describe("spdxDocument", () => {
  const doc = spdxDocument([bundle], { name: "img", created: 1_700_000_000 }) as Doc;

  it("lists every file with its sha256, symlinks and directories not", () => {
    expect(doc.files.map((f) => [f.fileName, f.checksums])).toEqual([
      ["/usr/bin/tool", [{ algorithm: "SHA256", checksumValue: "a".repeat(64) }]],
      ["/usr/lib/libc.so.6", [{ algorithm: "SHA256", checksumValue: "b".repeat(64) }]],
      ["/usr/lib/libz.so.1.2.13", [{ algorithm: "SHA256", checksumValue: "c".repeat(64) }]],
      ["/var/lib/dpkg/status.d/libc6", [{ algorithm: "SHA256", checksumValue: "d".repeat(64) }]],
    ]);
    expect(doc.creationInfo.created).toBe("2023-11-14T22:13:20Z");
  });

  it("gives packages their versions and purls, an epoch and a plus sign percent-encoded", () => {
    const purls = doc.packages.flatMap((p) => p.externalRefs?.map((r) => r.referenceLocator) ?? []);
    expect(purls).toEqual(["pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12", "pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12"]);
  });

  it("relates the image to its packages and unowned files, each package to its files", () => {
    const name = (id: string) => doc.files.find((f) => f.SPDXID === id)?.fileName ?? doc.packages.find((p) => p.SPDXID === id)?.name ?? id;
    const rel = doc.relationships.map((r) => `${name(r.spdxElementId)} ${r.relationshipType} ${name(r.relatedSpdxElement)}`);
    expect(rel).toEqual([
      "SPDXRef-DOCUMENT DESCRIBES img",
      "img CONTAINS libc6",
      "img CONTAINS zlib1g",
      "img CONTAINS /usr/bin/tool",
      "libc6 CONTAINS /usr/lib/libc.so.6",
      "zlib1g CONTAINS /usr/lib/libz.so.1.2.13",
      "img CONTAINS /var/lib/dpkg/status.d/libc6",
    ]);
  });

  it("is the same bytes for the same bundles, and names a portable bundle's files in its payload", () => {
    expect(JSON.stringify(spdxDocument([bundle], { name: "img", created: 1_700_000_000 }))).toBe(JSON.stringify(doc));
    const portable = spdxDocument([{ ...bundle, root: "/opt/jq/payload" }], { name: "img", created: 0 }) as Doc;
    expect(portable.files[0]!.fileName).toBe("/opt/jq/payload/usr/bin/tool");
  });
});
