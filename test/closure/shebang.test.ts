import { describe, expect, it } from "vitest";
import { parseShebang, shellCommands } from "../../frontend/closure/shebang.js";

const head = (text: string) => new Uint8Array(Buffer.from(text));

describe("shebang lines", () => {
  it("passes the rest of the line as one argument, like the kernel", () => {
    expect(parseShebang(head("#!/usr/bin/perl -w -T\nprint;\n"))).toEqual({ interpreter: "/usr/bin/perl", argument: "-w -T" });
    expect(parseShebang(head("#! /bin/sh\n"))).toEqual({ interpreter: "/bin/sh" });
  });

  it("finds the command env runs, past options, assignments and -S splitting", () => {
    expect(parseShebang(head("#!/usr/bin/env python3\n"))?.command).toBe("python3");
    expect(parseShebang(head("#!/usr/bin/env -S python3 -u\n"))?.command).toBe("python3");
    expect(parseShebang(head("#!/usr/bin/env -S LANG=C -u HOME node --max-old-space-size=64\n"))?.command).toBe("node");
    expect(parseShebang(head("#!/usr/bin/env -Sruby -w\n"))?.command).toBe("ruby");
    expect(parseShebang(head("#!/usr/bin/env -i\n"))?.command).toBeUndefined();
  });

  it("is not a shebang without #! at the very start", () => {
    expect(parseShebang(head(" #!/bin/sh\n"))).toBeUndefined();
    expect(parseShebang(head("\x7fELF"))).toBeUndefined();
  });
});

describe("commands a shell script plainly runs", () => {
  it("takes words in command position, not keywords, builtins, options, relative paths or comments", () => {
    const script = [
      "#!/bin/sh",
      "set -eu # curl would be wrong",
      'LC_ALL=C sort -u "$1" | uniq -c > /tmp/x && gzip -9 /tmp/x || exit 1',
      "if [ -f x ]; then exec ./local-tool --flag; fi",
      "for f in *; do echo \"$f\"; done",
      "v=$(basename /a/b) `date`",
    ].join("\n");
    expect(shellCommands(script)).toEqual(["basename", "date", "gzip", "sort", "uniq"]);
  });
});
