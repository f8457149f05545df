// The real-world cases: programs from Debian bookworm's packages, each bundled from the shared fat
// stage (base/Dockerfile) with no hint beyond the obvious trace (test/realworld/<name>/Dockerfile),
// and the uses on which the bundle must behave like its fat stage. The first use of each case is the
// traced one; the others were never traced (another time zone, format, input or request path).
// Shared by test/e2e/realworld.test.ts and bench/realworld.ts.
import { join, resolve } from "node:path";

// Relative to the repository root, where vitest and scripts/bench.sh run (the bench is bundled elsewhere).
export const REALWORLD = resolve("test/realworld");
export const BASE_TAG = "sidebundle-realworld/base";
export const BASE_DIR = join(REALWORLD, "base");

/** One run of a command-line case: `docker run` with these arguments, environment and stdin. */
export interface CliUse {
  args: string[];
  env?: Record<string, string>;
  stdin?: string | Buffer;
}

export interface CliCase {
  kind: "cli";
  name: string;
  entrypoint: string[];
  uses: CliUse[];
  /** Masks what differs between any two runs (clocks, latencies). */
  normalize?: (stdout: string) => string;
  /** A server from the fat stage that the uses run beside, in its network namespace. */
  beside?: { command: string[]; port: number };
}

/** One HTTP request made from inside the server's network namespace; the listed headers are compared too. */
export interface Request {
  path: string;
  method?: "GET" | "HEAD" | "POST";
  headers?: string[];
}

export interface ServerCase {
  kind: "server";
  name: string;
  /** The server command (the image's ENTRYPOINT), run in both images. */
  command: string[];
  port: number;
  requests: Request[];
  /** Masks what differs between any two responses (dates in bodies). */
  normalize?: (body: string) => string;
}

export type Case = CliCase | ServerCase;

// 1x1 PNG and gzip headers, fed to file(1) on stdin.
const PNG = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489", "hex");
const GZIP = Buffer.from("1f8b0800000000000003030000000000000000", "hex");

const nmapClock = (s: string) =>
  s
    .replace(/^Starting Nmap .*$/m, "Starting Nmap")
    .replace(/\([\d.]+s latency\)/g, "(latency)")
    .replace(/scanned in [\d.]+ seconds/g, "scanned in N seconds");

export const cases: Case[] = [
  {
    kind: "server",
    name: "python-wsgi",
    command: ["/srv/app/app.py"],
    port: 8000,
    requests: [{ path: "/" }, { path: "/json?a=1" }, { path: "/csv" }, { path: "/time?Asia/Tokyo" }, { path: "/time?America/Sao_Paulo" }, { path: "/nope" }],
  },
  {
    kind: "server",
    name: "node-http",
    command: ["/usr/bin/node", "/srv/app/server.js"],
    port: 8000,
    requests: [{ path: "/" }, { path: "/hash?s=abc" }, { path: "/gzip" }, { path: "/intl?tz=Asia/Tokyo" }, { path: "/nope" }],
  },
  {
    kind: "server",
    name: "php-builtin",
    command: ["/usr/bin/php", "-S", "0.0.0.0:8000", "-t", "/srv/php"],
    port: 8000,
    requests: [{ path: "/" }, { path: "/time.php?tz=Asia/Tokyo" }, { path: "/time.php?tz=America/New_York" }, { path: "/missing.php" }],
  },
  {
    kind: "server",
    name: "ruby-webrick",
    command: ["/home/app/server.rb"],
    port: 8000,
    requests: [{ path: "/" }, { path: "/json?a=1" }, { path: "/time?tz=Asia/Tokyo" }, { path: "/nope" }],
    // WEBrick's error page names the server and its start time.
    normalize: (b) => b.replace(/<ADDRESS>[^<]*<\/ADDRESS>/g, "<ADDRESS/>"),
  },
  {
    kind: "server",
    name: "nginx",
    command: ["/usr/sbin/nginx", "-g", "daemon off;"],
    port: 80,
    requests: [
      { path: "/", headers: ["content-type", "last-modified", "etag"] },
      { path: "/index.nginx-debian.html", method: "HEAD", headers: ["content-length", "last-modified", "etag"] },
      { path: "/missing" },
    ],
  },
  {
    kind: "server",
    name: "java-httpserver",
    command: ["/usr/bin/java", "-cp", "/srv/app", "Server"],
    port: 8000,
    requests: [{ path: "/" }, { path: "/time?Asia/Tokyo" }, { path: "/time?America/New_York" }, { path: "/upper?istanbul" }, { path: "/missing" }],
  },
  {
    kind: "cli",
    name: "python-zoneinfo",
    entrypoint: ["/usr/local/bin/tzconv"],
    uses: [{ args: ["Europe/Berlin"] }, { args: ["Asia/Tokyo", "America/Sao_Paulo", "Australia/Lord_Howe"] }, { args: ["No/Such_Zone"] }],
  },
  {
    kind: "cli",
    name: "date-tz-locale",
    entrypoint: ["/bin/date"],
    uses: [
      { args: ["-d", "@0"], env: { TZ: "Europe/Paris", LC_ALL: "de_DE.UTF-8" } },
      { args: ["-d", "@86400"], env: { TZ: "Asia/Tokyo", LC_ALL: "de_DE.UTF-8" } },
      { args: ["-d", "@0", "+%A %d %B %Y %H:%M %Z"], env: { TZ: "America/New_York", LC_ALL: "fr_FR.UTF-8" } },
      { args: ["-d", "@0"], env: { TZ: "Asia/Kolkata", LC_ALL: "ja_JP.UTF-8" } },
    ],
  },
  {
    kind: "cli",
    name: "imagemagick",
    entrypoint: ["/usr/bin/convert"],
    uses: [
      { args: ["rose:", "-strip", "jpg:-"] },
      { args: ["rose:", "-strip", "png:-"] },
      { args: ["rose:", "-resize", "50%", "gif:-"] },
      { args: ["rose:", "-format", "%w %h %[colorspace] %m", "info:"] },
    ],
  },
  {
    kind: "cli",
    name: "ffmpeg",
    entrypoint: ["/usr/bin/ffmpeg"],
    uses: [
      { args: ["-v", "error", "-f", "lavfi", "-i", "testsrc=d=1:s=64x48:r=5", "-c:v", "mpeg4", "-fflags", "+bitexact", "-flags", "+bitexact", "-f", "avi", "-"] },
      { args: ["-v", "error", "-f", "lavfi", "-i", "sine=f=440:d=0.5", "-c:a", "flac", "-fflags", "+bitexact", "-flags", "+bitexact", "-f", "flac", "-"] },
      { args: ["-v", "error", "-f", "lavfi", "-i", "testsrc=d=1:s=32x32:r=2", "-c:v", "png", "-f", "image2pipe", "-"] },
      { args: ["-hide_banner", "-formats"] },
    ],
  },
  {
    kind: "cli",
    name: "nmap",
    entrypoint: ["/usr/bin/nmap"],
    uses: [
      { args: ["-n", "-Pn", "-sT", "-p", "22,80", "127.0.0.1"] },
      { args: ["-n", "-Pn", "-sT", "--top-ports", "50", "127.0.0.1"] },
      { args: ["--script-help", "banner"] },
      { args: ["--iflist"] },
    ],
    normalize: nmapClock,
  },
  {
    kind: "cli",
    name: "git",
    entrypoint: ["/usr/local/bin/repo-demo"],
    uses: [
      { args: ["log", "--oneline"] },
      { args: ["show", "--stat", "v1"] },
      { args: ["diff", "HEAD~1", "--", "notes.txt"] },
      { args: ["log", "--date=local", "--format=%h %ad %s"], env: { TZ: "Asia/Tokyo" } },
      { args: ["archive", "--format=tar.gz", "HEAD"] },
    ],
  },
  {
    kind: "cli",
    name: "curl-local",
    entrypoint: ["/usr/bin/curl"],
    beside: { command: ["python3", "-m", "http.server", "-d", "/srv/www", "8000"], port: 8000 },
    uses: [
      { args: ["-sS", "http://127.0.0.1:8000/index.txt"] },
      { args: ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{content_type} %{size_download}\n", "http://localhost:8000/missing"] },
      { args: ["-sS", "-I", "-w", "%{http_code}\n", "-o", "/dev/null", "http://127.0.0.1:8000/"] },
      { args: ["-sS", "--json", '{"a": 1}', "-w", "%{http_code}\n", "-o", "/dev/null", "http://127.0.0.1:8000/"] },
      { args: ["-sS", "https://127.0.0.1:8000/"] },
    ],
  },
  {
    kind: "cli",
    name: "sqlite3",
    entrypoint: ["/usr/bin/sqlite3"],
    uses: [
      { args: ["demo.db", 'create table t(a, b); insert into t values (1, "x"); select * from t;'] },
      { args: ["/tmp/other.db", "create table u(x); insert into u values (21); select x * 2 from u;"] },
      { args: ["-json", ":memory:", "select 1 as a, 'é' as b, json_object('k', 2) as c"] },
      { args: ["-box", ":memory:", "select date(0, 'unixepoch') as d, upper('abc') as u"] },
      { args: ["-csv", ":memory:"], stdin: "create table t(x); insert into t values ('a,b'), (2); select * from t;\n" },
    ],
  },
  {
    kind: "cli",
    name: "gawk",
    entrypoint: ["/usr/bin/gawk"],
    uses: [
      { args: ["{ print toupper($2), NF }"], stdin: "alpha beta\n" },
      { args: ["-l", "ordchr", "BEGIN { print ord(\"A\"), chr(66) }"] },
      { args: ["BEGIN { print strftime(\"%F %T %Z\", 0) }"], env: { TZ: "Asia/Tokyo" } },
      { args: ["-M", "BEGIN { print 2^100 }"] },
      { args: ["-l", "time", "BEGIN { print (gettimeofday() > 0) }"] },
    ],
  },
  {
    kind: "cli",
    name: "file-magic",
    entrypoint: ["/usr/bin/file"],
    uses: [
      { args: ["-b", "-"], stdin: '{"a": 1}\n' },
      { args: ["-b", "-"], stdin: PNG },
      { args: ["-b", "--mime", "-"], stdin: GZIP },
      { args: ["-b", "-"], stdin: "#!/bin/sh\necho hi\n" },
      { args: ["-b", "/usr/bin/file"] },
    ],
  },
  {
    kind: "cli",
    name: "patchelf",
    entrypoint: ["/usr/bin/patchelf"],
    uses: [
      { args: ["--print-interpreter", "/usr/bin/patchelf"] },
      { args: ["--print-needed", "/usr/bin/patchelf"] },
      { args: ["--print-soname", "/lib/x86_64-linux-gnu/libc.so.6"] },
      { args: ["--version"] },
    ],
  },
  {
    kind: "cli",
    name: "clang-format",
    entrypoint: ["/usr/bin/clang-format"],
    uses: [
      { args: ["--style=LLVM"], stdin: "int  main( ){return 0 ;}\n" },
      { args: ["--style=Google"], stdin: "struct S{int a;int b;};void f(S*s){if(s){s->a=1;}}\n" },
      { args: ["--assume-filename=x.js", "--style=Mozilla"], stdin: "const f=(a,b)=>{return a+b}\n" },
      { args: ["--dump-config", "--style=WebKit"] },
    ],
  },
  {
    kind: "cli",
    name: "perl-csv",
    entrypoint: ["/usr/local/bin/csv2json"],
    uses: [
      { stdin: "a,b\n1,2\n", args: [] },
      { stdin: 'name,note\n"Müller, A.","say ""hi"""\nb,\n', args: [], env: { TZ: "Asia/Tokyo" } },
      { stdin: "x\n1\n", args: [], env: { TZ: "America/Sao_Paulo" } },
    ],
  },
];
