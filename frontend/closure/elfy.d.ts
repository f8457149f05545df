// The part of elfy (CommonJS, untyped) that elf.ts uses: the parser's header and program
// header decoders, which work on whatever bytes they are given.
declare module "elfy" {
  interface ElfyHeader {
    class: string;
    endian: string;
    type: string;
    machine: string;
    phoff: number;
    phentsize: number;
    phnum: number;
  }
  interface ElfyProgram {
    type: string;
    offset: number;
    vaddr: number;
    filesz: number;
  }
  class Parser {
    parseHeader(buf: Buffer): ElfyHeader;
    parseProgram(entry: Buffer, header: ElfyHeader, file: Buffer): ElfyProgram;
  }
  const elfy: { Parser: typeof Parser };
  export default elfy;
  export type { ElfyHeader, ElfyProgram, Parser as ElfyParser };
}
