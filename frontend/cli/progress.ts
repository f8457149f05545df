// What a long command is doing, on stderr: shown on a terminal, or anywhere with --progress.
// On a terminal a count rewrites its own line; elsewhere only the steps are printed, one a line.
/** A count is redrawn at most this often. */
const REDRAW_MS = 100;

export class Progress {
  private counting = false;
  private drawn = 0;

  constructor(
    private readonly shown: boolean,
    private readonly tty: boolean,
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {}

  static for(flag: boolean): Progress {
    const tty = process.stderr.isTTY === true;
    return new Progress(flag || tty, tty);
  }

  step(text: string): void {
    if (!this.shown) return;
    this.endCount();
    this.out.write(`sidebundle: ${text}\n`);
  }

  /** `done` of `total`, rewritten in place on a terminal. */
  count(what: string, done: number, total: number): void {
    if (!this.shown || !this.tty) return;
    const now = Date.now();
    if (done < total && now - this.drawn < REDRAW_MS) return;
    this.drawn = now;
    this.counting = true;
    this.out.write(`\rsidebundle: ${what} ${done}/${total}`);
    if (done === total) this.endCount();
  }

  private endCount(): void {
    if (this.counting) this.out.write("\n");
    this.counting = false;
  }
}
