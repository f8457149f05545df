// The compress op's work, over the source mounted writable. Only ELF executables are packed: a
// fixed-address one, or a PIE with an interpreter and no soname. Never the loader (it has no
// interpreter) nor a shared library: upx packs some libraries into ones that crash at load
// (glibc's libm, measured), and refuses others. Each is packed into a temporary file whose bytes
// then replace the file's in place: the same owner, mode and time, and no directory changes, so
// the times op sees the source's. upx's output depends on the input's bytes and the level only
// (no name, no time), so the same input gives the same bytes.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFile, lstat, readFile, rm, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import { readElf } from "../closure/elf.js";
import { pathBytes } from "../closure/fs.js";
import { HostFS } from "../closure/index.js";
import { setTime } from "../assemble/times.js";
import { UPX, type CompressedFile, type CompressRequest, type Compression, type Refusal } from "./layout.js";

const run = promisify(execFile);

export async function compressFiles(root: string, request: CompressRequest, work: string): Promise<Compression> {
  const fs = new HostFS(root);
  const report: Compression = { compressed: [], refused: [] };
  // A hard link's other names are the same file, packed once. Each name is written all the same:
  // overlayfs copies up only the name written to, which leaves the others' bytes as they were.
  const done = new Map<bigint, Buffer | undefined>();
  for (const path of request.files) {
    const host = pathBytes(root + path);
    const st = await lstat(host, { bigint: true });
    if (!done.has(st.ino)) done.set(st.ino, st.isFile() && (await isExecutable(fs, path)) ? await packOrRefuse(path, host, request.level, work, report) : undefined);
    const bytes = done.get(st.ino);
    if (!bytes) continue;
    await writeFile(host, bytes);
    await setTime(host, st.mtimeNs);
    report.compressed.push({ path, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") } satisfies CompressedFile);
  }
  return report;
}

/** The packed bytes, or undefined with the refusal reported. */
async function packOrRefuse(path: string, host: Buffer, level: number | undefined, work: string, report: Compression): Promise<Buffer | undefined> {
  const outcome = await pack(host, level, work);
  if ("bytes" in outcome) return outcome.bytes;
  report.refused.push({ path, cause: outcome.cause });
  return undefined;
}

async function isExecutable(fs: HostFS, path: string): Promise<boolean> {
  const elf = await readElf(fs, path).catch(() => undefined);
  // glibc's libc.so.6 has an interpreter (it runs) but is a library: it has a soname.
  return elf !== undefined && (elf.type === "exec" || (elf.type === "dyn" && elf.interpreter !== undefined && elf.soname === undefined));
}

/**
 * upx over a copy (any name the source has, bytes that are not UTF-8 included, becomes one upx
 * can take as an argument); its packed bytes, or why it would not pack them.
 */
async function pack(host: Buffer, level: number | undefined, work: string): Promise<{ bytes: Buffer } | Pick<Refusal, "cause">> {
  const [input, output] = [`${work}/in`, `${work}/out`];
  await copyFile(host, input);
  try {
    await run(UPX, ["-q", "-q", "--no-progress", ...(level ? [`-${level}`] : []), "-o", output, input], { env: {} });
    return { bytes: await readFile(output) };
  } catch (error) {
    return { cause: upxCause(error as { stderr?: string; code?: number | string }, input) };
  } finally {
    await rm(input, { force: true });
    await rm(output, { force: true });
  }
}

/** upx says `upx: <file>: <Exception>: <details>`; the reason is what follows the file. */
function upxCause(error: { stderr?: string; code?: number | string }, input: string): string {
  const line = (error.stderr ?? "").split("\n").find((l) => l.includes(`${input}: `));
  return line ? line.slice(line.indexOf(`${input}: `) + input.length + 2).trim() : `upx exited with status ${error.code}`;
}
