// Families of run-time data and plugins on the cached Debian rootfs, with real traces from
// sidebundle-trace (npm run build): each rule keeps what another input of the traced program
// needs, and the plan, written out and run chrooted, does the untraced use as the rootfs does.
// --skip-rule leaves the family out.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { computeClosure, HostFS, type ClosureOptions, type Plan, type RootFS } from "../../frontend/closure/index.js";
import { materialize, paths, reasonsOf } from "./helpers.js";
import { debianRootfs } from "./rootfs.js";
import { tracerInRoot } from "./traces.js";

let root: string;
let host: RootFS;

beforeAll(() => {
  root = debianRootfs();
  host = new HostFS(root);
});


/** The plan of `entries` with a real trace of `argv` (run in the rootfs). */
async function tracedPlan(entries: string[], argv: string[], options: Partial<ClosureOptions> = {}): Promise<Plan> {
  return computeClosure(host, { entries, trace: tracerInRoot(root, argv), ...options });
}

/** Runs `argv` chrooted into `dir` (a written-out plan, or the rootfs itself); stdout as bytes. */
function runIn(dir: string, argv: string[], env: Record<string, string> = {}): Buffer {
  return execFileSync("/usr/sbin/chroot", [dir, ...argv], { env: { PATH: "/usr/bin:/bin", ...env }, stdio: ["ignore", "pipe", "pipe"] });
}

function written(plan: Plan): string {
  const dir = mkdtempSync(`${tmpdir()}/closure-family-`);
  materialize(plan, root, dir);
  return dir;
}

describe("zoneinfo", () => {
  const tokyo = ["/usr/bin/date", "-d", "@0", "+%H:%M %Z"];

  it("keeps the whole time zone database when the trace read /etc/localtime: TZ=Asia/Tokyo works untraced", async () => {
    const plan = await tracedPlan(["/usr/bin/date"], ["/usr/bin/date"]);
    expect(reasonsOf(plan, "/usr/share/zoneinfo/Asia/Tokyo")).toEqual(["rule: zoneinfo"]);
    const expected = runIn(root, tokyo, { TZ: "Asia/Tokyo" }).toString();
    expect(expected).toBe("09:00 JST\n");
    expect(runIn(written(plan), tokyo, { TZ: "Asia/Tokyo" }).toString()).toBe(expected);
  });

  it("keeps it for a program that converts local time although its trace never did (gawk's strftime)", async () => {
    const plan = await tracedPlan(["/usr/bin/date"], ["/usr/bin/date", "--version"]);
    expect(reasonsOf(plan, "/usr/share/zoneinfo/Asia/Tokyo")).toEqual(["rule: zoneinfo"]);
    expect(runIn(written(plan), tokyo, { TZ: "Asia/Tokyo" }).toString()).toBe("09:00 JST\n");
    // true converts no time at all: no sign, no database.
    expect(paths(await tracedPlan(["/usr/bin/true"], ["/usr/bin/true"]))).not.toContain("/usr/share/zoneinfo/Asia/Tokyo");
  });

  it("gives Python's zoneinfo an untraced zone", async () => {
    const plan = await tracedPlan(["/usr/bin/python3"], ["/usr/bin/python3", "-c", "import zoneinfo; zoneinfo.ZoneInfo('UTC')"]);
    const script = "import datetime, zoneinfo; print(datetime.datetime(2020, 1, 1, tzinfo=zoneinfo.ZoneInfo('America/New_York')).utcoffset())";
    expect(runIn(written(plan), ["/usr/bin/python3", "-c", script]).toString()).toBe("-1 day, 19:00:00\n");
  });

  it("is left out with --skip-rule", async () => {
    const plan = await tracedPlan(["/usr/bin/date"], ["/usr/bin/date"], { skipRules: ["zoneinfo"] });
    expect(paths(plan)).not.toContain("/usr/share/zoneinfo/Asia/Tokyo");
  });
});

describe("plugins", () => {
  const imagemagick = "/usr/lib/x86_64-linux-gnu/ImageMagick-6.9.11";
  const jpegToPng = ["/bin/sh", "-c", "convert rose: jpg:- | convert jpg:- png:-"];

  it("keeps every ImageMagick coder with its closure, and the configuration, when the trace loaded one", async () => {
    const plan = await tracedPlan(["/usr/bin/convert"], jpegToPng);
    expect(reasonsOf(plan, `${imagemagick}/modules-Q16/coders/png.so`)).toContain("trace: openat by /usr/bin/convert-im6.q16");
    expect(reasonsOf(plan, `${imagemagick}/modules-Q16/coders/gif.so`)).toEqual(["rule: plugins"]);
    expect(reasonsOf(plan, `${imagemagick}/modules-Q16/filters/analyze.so`)).toEqual(["rule: plugins"]);
    expect(reasonsOf(plan, "/etc/ImageMagick-6/type.xml")).toEqual(["rule: plugins"]);
    // tiff.so needs libtiff, which the traced coders do not
    expect(reasonsOf(plan, "/usr/lib/x86_64-linux-gnu/libtiff.so.6")).toContain(`elf-needed libtiff.so.6 by ${imagemagick}/modules-Q16/coders/tiff.so`);
    const dir = written(plan);
    expect(runIn(dir, ["/usr/bin/convert", "rose:", "gif:-"]).subarray(0, 6).toString("latin1")).toBe("GIF89a");
    expect(runIn(dir, ["/usr/bin/convert", "rose:", "bmp:-"]).subarray(0, 2).toString("latin1")).toBe("BM");
  });

  it("keeps the PAM modules and configuration when the trace loaded one module", async () => {
    const plan = await tracedPlan(["/usr/bin/su"], ["/usr/bin/su", "root", "-c", "true"]);
    expect(reasonsOf(plan, "/usr/lib/x86_64-linux-gnu/security/pam_access.so")).toEqual(["rule: plugins"]);
    expect(reasonsOf(plan, "/etc/pam.d/login")).toEqual(["rule: plugins"]);
  });

  it("is left out with --skip-rule: only the traced coders stay", async () => {
    const plan = await tracedPlan(["/usr/bin/convert"], jpegToPng, { skipRules: ["plugins"] });
    expect(paths(plan)).toContain(`${imagemagick}/modules-Q16/coders/png.so`);
    expect(paths(plan)).not.toContain(`${imagemagick}/modules-Q16/coders/gif.so`);
  });
});

describe("python-stdlib", () => {
  const importJson = ["/usr/bin/python3", "-c", "import json"];

  it("keeps the standard library whole but its tests and tools: a lazy import of another module works", async () => {
    const plan = await tracedPlan(["/usr/bin/python3"], importJson);
    expect(reasonsOf(plan, "/usr/lib/python3.11/csv.py")).toEqual(["rule: python-stdlib"]);
    expect(paths(plan).filter((p) => /^\/usr\/lib\/python3\.11\/(test|idlelib|tkinter|ensurepip|lib2to3)\//.test(p))).toEqual([]);
    const script = "import csv, io, traceback; w = io.StringIO(); csv.writer(w).writerow(['a', 'x, y']); print(w.getvalue().strip())";
    expect(runIn(written(plan), ["/usr/bin/python3", "-c", script]).toString()).toBe('a,"x, y"\n');
  });

  it("is left out with --skip-rule", async () => {
    const plan = await tracedPlan(["/usr/bin/python3"], importJson, { skipRules: ["python-stdlib"] });
    expect(paths(plan)).not.toContain("/usr/lib/python3.11/csv.py");
  });
});

describe("python-packages", () => {
  const importJson = ["/usr/bin/python3", "-c", "import json"];

  it("keeps a package the traced imports used whole, not the standard library's root", async () => {
    const plan = await tracedPlan(["/usr/bin/python3"], importJson, { skipRules: ["python-stdlib"] });
    expect(reasonsOf(plan, "/usr/lib/python3.11/json/tool.py")).toEqual(["rule: python-packages"]);
    expect(paths(plan)).toContain("/usr/lib/python3.11/encodings/cp1252.py");
    expect(paths(plan)).not.toContain("/usr/lib/python3.11/csv.py");
    // a codec the traced run did not load is a sibling module of encodings
    const decode = "import json; print(json.dumps(b'\\xe9'.decode('cp1252')), 'é'.encode('cp850'))";
    expect(runIn(written(plan), ["/usr/bin/python3", "-c", decode]).toString()).toBe('"\\u00e9" b\'\\x82\'\n');
  });

  it("is left out with --skip-rule", async () => {
    const plan = await tracedPlan(["/usr/bin/python3"], importJson, { skipRules: ["python-stdlib", "python-packages"] });
    expect(paths(plan)).not.toContain("/usr/lib/python3.11/json/tool.py");
  });
});

describe("program-data", () => {
  const listScan = ["/usr/bin/nmap", "-n", "-sL", "127.0.0.1"];

  it("keeps /usr/share/<program> whole when the program read a file there", async () => {
    const plan = await tracedPlan(["/usr/bin/nmap"], listScan);
    expect(reasonsOf(plan, "/usr/share/nmap/nmap-mac-prefixes")).toEqual(["rule: program-data"]);
    expect(reasonsOf(plan, "/usr/share/nmap/scripts/http-title.nse")).toEqual(["rule: program-data"]);
  });

  it("does not take a language's library root whole: perl's core modules", async () => {
    const plan = await tracedPlan(["/usr/bin/perl"], ["/usr/bin/perl", "-e", "use strict; use Text::Abbrev; print join(',', sort keys %{abbrev('ab')})"]);
    expect(paths(plan)).toContain("/usr/share/perl/5.36.0/Text/Abbrev.pm");
    expect(paths(plan)).not.toContain("/usr/share/perl/5.36.0/CPAN.pm");
  });

  it("is left out with --skip-rule", async () => {
    const plan = await tracedPlan(["/usr/bin/nmap"], listScan, { skipRules: ["program-data"] });
    expect(paths(plan)).not.toContain("/usr/share/nmap/nmap-mac-prefixes");
  });
});

describe("rule names", () => {
  it("rejects an unknown rule to skip, naming the known ones", async () => {
    await expect(computeClosure(host, { entries: ["/usr/bin/date"], skipRules: ["tz"] })).rejects.toThrow(
      'unknown rule "tz": the rules are zoneinfo, plugins, python-stdlib, python-packages, program-data, gconv, locale, nss, tls',
    );
  });
});
