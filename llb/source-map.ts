// Source maps tie ops to Dockerfile lines: BuildKit looks up an failing op's digest in
// Definition.Source and prints the lines as a snippet.
export interface LineRange {
  start: { line: number; character?: number };
  end: { line: number; character?: number };
}

export interface SourceLocation {
  source: SourceMap;
  ranges: LineRange[];
}

export class SourceMap {
  constructor(
    readonly filename: string,
    readonly data: Uint8Array,
    readonly language = "Dockerfile",
  ) {}

  /** Lines are 1-based and inclusive; BuildKit requires both ends. */
  lines(start: number, end = start): SourceLocation {
    return { source: this, ranges: [{ start: { line: start }, end: { line: end } }] };
  }
}
