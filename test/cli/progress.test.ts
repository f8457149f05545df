// The progress display: steps on stderr when shown; counts rewrite one line on a terminal only.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { Progress } from "../../frontend/cli/progress.js";

function written(shown: boolean, tty: boolean): string {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on("data", (c: Buffer) => chunks.push(c.toString()));
  const p = new Progress(shown, tty, out);
  p.step("resolve closure");
  p.count("copied", 1, 2);
  p.count("copied", 2, 2);
  p.step("done");
  return chunks.join("");
}

describe("Progress", () => {
  it("prints nothing when not shown", () => expect(written(false, false)).toBe(""));
  it("prints steps only, one a line, off a terminal", () => expect(written(true, false)).toBe("sidebundle: resolve closure\nsidebundle: done\n"));
  it("rewrites a count in place on a terminal, ending its line", () => {
    expect(written(true, true)).toBe("sidebundle: resolve closure\n\rsidebundle: copied 1/2\rsidebundle: copied 2/2\nsidebundle: done\n");
  });
});
