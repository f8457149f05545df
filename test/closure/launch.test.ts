// launchSpec on this machine's own root (Debian bookworm): what a portable launcher starts.
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HostFS, launchSpec } from "../../frontend/closure/index.js";

const fs = new HostFS("/");
const env = { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" };
const LOADER = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";

function script(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "sb-launch-")), "script");
  writeFileSync(path, text);
  chmodSync(path, 0o755);
  return path;
}

describe("launchSpec", () => {
  it("an ELF program: its loader and library directories by real path, argv0 as named", async () => {
    expect(await launchSpec(fs, "sort", env)).toEqual({
      loader: LOADER,
      libraryPath: ["/usr/lib/x86_64-linux-gnu"],
      program: "/usr/bin/sort",
      argv0: "/usr/bin/sort",
      args: [],
    });
    const python = await launchSpec(fs, "/usr/bin/python3", env);
    expect(python).toMatchObject({ program: "/usr/bin/python3.11", argv0: "/usr/bin/python3", args: [] });
  });

  it("a script runs through its interpreter, with the kernel's one argument", async () => {
    const sh = script("#!/bin/sh -e\necho hi\n");
    expect(await launchSpec(fs, sh, env)).toMatchObject({ loader: LOADER, program: "/usr/bin/dash", argv0: "/bin/sh", args: ["-e", sh] });
  });

  it("an env shebang names the command found on PATH", async () => {
    const py = script("#!/usr/bin/env python3\nprint(1)\n");
    expect(await launchSpec(fs, py, env)).toMatchObject({ program: "/usr/bin/python3.11", argv0: "/usr/bin/python3", args: [py] });
  });

  it("fails with one line for a name not on PATH", async () => {
    await expect(launchSpec(fs, "no-such-program", env)).rejects.toThrow("entry no-such-program is not on the source's PATH");
  });
});
