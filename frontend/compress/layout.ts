// What the compress op gets and gives back, and where: shared by the op's program (main.ts) and the
// frontend that builds the op (compress-run.ts).
export const SOURCE_DIR = "/source";
export const OUT_DIR = "/out";
export const REPORT_FILE = "compression.json";
/** The op's program and upx, in the frontend image (scripts/build.mjs, Dockerfile). */
export const PROGRAM = "/sidebundle/sidebundle-compress.mjs";
export const UPX = "/usr/bin/upx";

export interface CompressRequest {
  /** The bundle's files with an execute bit; the op packs those that are ELF executables. */
  files: string[];
  /** upx's level, 1 (fastest) to 9 (best); upx's own default when absent. */
  level?: number;
}

/** A file packed in place: its new size and sha256. */
export interface CompressedFile {
  path: string;
  size: number;
  sha256: string;
}

/** An ELF executable upx would not pack, left as it is; `cause` is upx's own reason. */
export interface Refusal {
  path: string;
  cause: string;
}

export interface Compression {
  compressed: CompressedFile[];
  refused: Refusal[];
}
