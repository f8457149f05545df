// The zero-edit minimize cases: unmodified Dockerfiles of the kind users have (test/minimize/<case>),
// each minimized with build-args only, and the uses that compare it with its fat image. The first
// request of a server is the one its own probes make; the others were never traced.
import { resolve } from "node:path";

export const MINIMIZE_DIR = resolve("test/minimize");

export interface CliUse {
  /** Arguments after the image (none: its own CMD). */
  args: string[];
  env?: Record<string, string>;
  stdin?: string;
}

export interface MinimizeCase {
  name: string;
  /** Build-args beside SIDEBUNDLE_MINIMIZE=1. */
  args?: Record<string, string>;
  server?: { port: number; paths: string[] };
  uses?: CliUse[];
  /** The entries the image's config gives (its manifest's `entries`). */
  entries: string[];
  /** Paths the minimized image must hold (a HEALTHCHECK's program). */
  kept?: string[];
  /** Programs of the fat image that must not be in the minimized one (probe tools). */
  absent?: string[];
}

export const CASES: MinimizeCase[] = [
  {
    name: "python-web",
    entries: ["python3"],
    server: { port: 8000, paths: ["/health", "/", "/time?tz=Asia/Tokyo", "/json?i=b&i=a", "/missing"] },
  },
  {
    name: "node-server",
    entries: ["node"],
    args: {
      SIDEBUNDLE_PROBE: `node -e 'require("http").get("http://127.0.0.1:3000/", (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))'`,
    },
    server: { port: 3000, paths: ["/", "/date?locale=de-DE&tz=Asia/Tokyo", "/date?locale=ja-JP&tz=America/New_York", "/sum?n=1&n=2.5", "/nope"] },
  },
  {
    name: "nginx",
    entries: ["nginx", "/bin/sh"],
    kept: ["/usr/bin/curl", "/usr/sbin/nginx"],
    server: { port: 80, paths: ["/", "/docs/readme.txt", "/docs/style.css", "/api/orders", "/nope"] },
  },
  {
    name: "java-service",
    entries: ["java"],
    args: {
      SIDEBUNDLE_PROBE: `bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET / HTTP/1.0\\r\\n\\r\\n" >&3 && cat <&3' | grep -q hello`,
    },
    server: { port: 8080, paths: ["/", "/time?Asia/Tokyo", "/upper?istanbul", "/nope"] },
    absent: ["/usr/bin/bash", "/usr/bin/grep"],
  },
  {
    name: "cli-jq",
    entries: ["jq"],
    uses: [
      { args: [] },
      { args: ["-c", ".a | sort"], stdin: '{"a":[3,1,2]}' },
      { args: ["-r", ".[] | @base64"], stdin: '["hello","world"]' },
      { args: ["-n", "-r", '0 | strflocaltime("%Y-%m-%d %H:%M %Z")'], env: { TZ: "Asia/Tokyo" } },
    ],
  },
  {
    name: "shell-cmd",
    entries: ["/bin/sh"],
    kept: ["/usr/local/bin/report.sh", "/usr/bin/sort", "/usr/bin/date"],
    uses: [{ args: [] }, { args: [], env: { TZ: "America/New_York", WORDS: "x y x z y x" } }],
  },
];
