// Reads what the dynamic loader needs from an ELF file with ranged reads only: the ELF header,
// the program headers, PT_INTERP, the PT_DYNAMIC entries and the few strings they name, so a
// large library costs a few kilobytes. elfy decodes the header and program headers; its
// elfy.parse wants the whole file (and the section headers at its end), so the dynamic
// segment and string reading are done here.
import elfy from "elfy";
import type { ElfyHeader, ElfyParser, ElfyProgram } from "elfy";
import type { RootFS } from "./fs.js";

export interface ElfInfo {
  class: "32" | "64";
  /** elfy's machine name, e.g. "amd64", "386". */
  machine: string;
  /** "exec" or "dyn" (PIE executables and shared objects). */
  type: string;
  interpreter?: string;
  soname?: string;
  needed: string[];
  rpath?: string;
  runpath?: string;
  /** DF_1_NODEFLIB: the object's dependencies skip the cache and default directories. */
  noDefaultLib: boolean;
}

const EHDR_SIZE = 64;
/** The first read: the ELF header, and in practice the program headers and PT_INTERP too. */
const HEAD_BYTES = 1024;
const STRING_WINDOW = 256;
const STRING_GROUP_SPAN = 4096;
const DT = { NULL: 0, NEEDED: 1, STRTAB: 5, STRSZ: 10, SONAME: 14, RPATH: 15, RUNPATH: 29, FLAGS_1: 0x6ffffffb };
const DF_1_NODEFLIB = 0x800;

/** One file: its first HEAD_BYTES read once, any other range read when asked for. */
class RangedFile {
  constructor(
    private readonly fs: RootFS,
    readonly path: string,
    readonly head: Uint8Array,
  ) {}

  read(offset: number, length: number): Promise<Uint8Array> {
    if (offset + length <= this.head.length) return Promise.resolve(this.head.subarray(offset, offset + length));
    return this.fs.readFile(this.path, { offset, length });
  }
}

interface OpenedElf {
  file: RangedFile;
  header: ElfyHeader;
  programs: ElfyProgram[];
}

/** The header and program headers; undefined when the file is not ELF (too short or wrong magic). */
async function openElf(fs: RootFS, path: string): Promise<OpenedElf | undefined> {
  const file = new RangedFile(fs, path, await fs.readFile(path, { offset: 0, length: HEAD_BYTES }));
  const ident = Buffer.from(file.head.subarray(0, EHDR_SIZE));
  if (ident.length < EHDR_SIZE || ident.toString("latin1", 0, 4) !== "\x7fELF") return undefined;
  const parser = new elfy.Parser();
  const header = parser.parseHeader(ident);
  return { file, header, programs: await readPrograms(file, parser, header) };
}

/** Undefined when the file is not ELF (too short or wrong magic). */
export async function readElf(fs: RootFS, path: string): Promise<ElfInfo | undefined> {
  const elf = await openElf(fs, path);
  if (!elf) return undefined;
  const { file, header, programs } = elf;
  const interp = programs.find((p) => p.type === "interp");
  const dynamic = programs.find((p) => p.type === "dynamic");
  const info: ElfInfo = {
    class: header.class as "32" | "64",
    machine: header.machine,
    type: header.type,
    needed: [],
    noDefaultLib: false,
  };
  if (interp) info.interpreter = await readCString(file, interp.offset, interp.filesz);
  if (dynamic) await readDynamic(file, header, programs, dynamic, info);
  return info;
}

/** `parser` must have parsed the header: it keeps the byte order and word size. */
async function readPrograms(file: RangedFile, parser: ElfyParser, header: ElfyHeader): Promise<ElfyProgram[]> {
  const length = header.phnum * header.phentsize;
  const table = Buffer.from(await file.read(header.phoff, length));
  if (table.length < length) throw new Error(`${file.path}: truncated ELF program headers`);
  const empty = Buffer.alloc(0);
  const programs: ElfyProgram[] = [];
  for (let at = 0; at < length; at += header.phentsize) {
    programs.push(parser.parseProgram(table.subarray(at, at + header.phentsize), header, empty));
  }
  return programs;
}

interface DynamicEntry {
  tag: number;
  value: number;
}

async function readDynamic(file: RangedFile, header: ElfyHeader, programs: ElfyProgram[], dynamic: ElfyProgram, info: ElfInfo): Promise<void> {
  const entries = decodeDynamic(await file.read(dynamic.offset, dynamic.filesz), header);
  const value = (tag: number) => entries.find((e) => e.tag === tag)?.value;
  const strtab = value(DT.STRTAB);
  if (strtab === undefined) return;
  const base = fileOffset(programs, strtab, file.path);
  const size = value(DT.STRSZ) ?? Number.MAX_SAFE_INTEGER;
  const named = entries.filter((e) => [DT.NEEDED, DT.SONAME, DT.RPATH, DT.RUNPATH].includes(e.tag));
  const strings = await readStrings(file, base, size, named.map((e) => e.value));
  const text = (e: DynamicEntry) => strings.get(e.value)!;
  info.needed = named.filter((e) => e.tag === DT.NEEDED).map(text);
  const single = (tag: number) => named.find((e) => e.tag === tag);
  const soname = single(DT.SONAME);
  const rpath = single(DT.RPATH);
  const runpath = single(DT.RUNPATH);
  if (soname) info.soname = text(soname);
  if (rpath) info.rpath = text(rpath);
  if (runpath) info.runpath = text(runpath);
  info.noDefaultLib = ((value(DT.FLAGS_1) ?? 0) & DF_1_NODEFLIB) !== 0;
}

/**
 * Every string of the dynamic string table: the names of the symbols the object imports and
 * exports among them. Empty for a file that is not ELF or has no dynamic section.
 */
export async function dynamicStrings(fs: RootFS, path: string): Promise<string[]> {
  const elf = await openElf(fs, path);
  const dynamic = elf?.programs.find((p) => p.type === "dynamic");
  if (!elf || !dynamic) return [];
  const entries = decodeDynamic(await elf.file.read(dynamic.offset, dynamic.filesz), elf.header);
  const strtab = entries.find((e) => e.tag === DT.STRTAB)?.value;
  const size = entries.find((e) => e.tag === DT.STRSZ)?.value;
  if (strtab === undefined || size === undefined) return [];
  const table = await elf.file.read(fileOffset(elf.programs, strtab, path), size);
  return Buffer.from(table).toString("latin1").split("\0");
}

function decodeDynamic(bytes: Uint8Array, header: ElfyHeader): DynamicEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = header.endian === "lsb";
  const wide = header.class === "64";
  const size = wide ? 16 : 8;
  const word = (at: number) => (wide ? Number(view.getBigUint64(at, little)) : view.getUint32(at, little));
  const entries: DynamicEntry[] = [];
  for (let at = 0; at + size <= bytes.byteLength; at += size) {
    const tag = word(at);
    if (tag === DT.NULL) break;
    entries.push({ tag, value: word(at + size / 2) });
  }
  return entries;
}

/** Maps a virtual address to its file offset through the PT_LOAD segments. */
function fileOffset(programs: ElfyProgram[], address: number, path: string): number {
  const load = programs.find((p) => p.type === "load" && address >= p.vaddr && address < p.vaddr + p.filesz);
  if (!load) throw new Error(`${path}: DT_STRTAB address 0x${address.toString(16)} is in no PT_LOAD segment`);
  return address - load.vaddr + load.offset;
}

/** Reads the NUL-terminated strings at `offsets` of a string table, nearby ones in one read. */
async function readStrings(file: RangedFile, base: number, size: number, offsets: number[]): Promise<Map<number, string>> {
  const strings = new Map<number, string>();
  const sorted = [...new Set(offsets)].sort((a, b) => a - b);
  if (sorted[sorted.length - 1]! >= size) throw new Error(`${file.path}: dynamic string offset beyond DT_STRSZ`);
  while (sorted.length > 0) {
    const first = sorted[0]!;
    const group = takeWhile(sorted, (offset) => offset - first < STRING_GROUP_SPAN);
    const length = Math.min(group[group.length - 1]! - first + STRING_WINDOW, size - first);
    const window = await file.read(base + first, length);
    for (const offset of group) {
      strings.set(offset, cString(window, offset - first) ?? (await readCString(file, base + offset, size - offset)));
    }
  }
  return strings;
}

function takeWhile<T>(items: T[], keep: (item: T) => boolean): T[] {
  let count = 0;
  while (count < items.length && keep(items[count]!)) count++;
  return items.splice(0, count);
}

/** The string at `at` if its terminating NUL is within `bytes`. */
function cString(bytes: Uint8Array, at: number): string | undefined {
  const end = bytes.indexOf(0, at);
  return end < 0 ? undefined : Buffer.from(bytes.subarray(at, end)).toString("utf8");
}

/** Reads a NUL-terminated string of at most `limit` bytes, in growing windows. */
async function readCString(file: RangedFile, offset: number, limit: number): Promise<string> {
  for (let length = STRING_WINDOW; ; length *= 4) {
    const wanted = Math.min(length, limit);
    const bytes = await file.read(offset, wanted);
    const text = cString(bytes, 0);
    if (text !== undefined) return text;
    if (wanted === limit || bytes.length < wanted) return Buffer.from(bytes).toString("utf8");
  }
}
