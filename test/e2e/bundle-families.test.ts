// Families of run-time data and the GPU filter, end to end: programs from Debian traced on one
// ordinary use, then run in the minimized image on uses the trace never saw (another time zone,
// another image format, an untraced conversion), against the fat stage.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, dockerOk, requireFrontendImage } from "./docker.js";

const DOCKERFILE = `# syntax=sidebundle/frontend
FROM debian:bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends tzdata python3 imagemagick ffmpeg \\
 && mkdir /in && convert rose: /in/rose.jpg

FROM scratch AS tz
BUNDLE --from=build --trace="date" --trace="python3 -c 'import zoneinfo; zoneinfo.ZoneInfo(\\"UTC\\")'" /usr/bin/date /usr/bin/python3

FROM scratch AS tz-skipped
BUNDLE --from=build --skip-rule=zoneinfo --trace="date" /usr/bin/date

FROM scratch AS im
BUNDLE --from=build --trace="convert /in/rose.jpg /tmp/rose.png" /usr/bin/convert

FROM scratch AS ff
BUNDLE --from=build --trace="ffmpeg -version" /usr/bin/ffmpeg
`;

let dir: string;
const sizes: Record<string, number> = {};

async function build(target: string): Promise<string> {
  const tag = `sidebundle-e2e/families:${target}`;
  await dockerOk(["buildx", "build", "--progress=plain", "--target", target, "--tag", tag, dir]);
  sizes[target] = Number((await dockerOk(["image", "inspect", "--format", "{{.Size}}", tag])).stdout.trim());
  return tag;
}

/** Runs `argv` in `tag` offline; stdout as latin1 text (binary output compared by its magic). */
async function run(tag: string, argv: string[], env: string[] = []): Promise<{ code: number; stdout: string }> {
  const [exe, ...args] = argv;
  const out = await docker(["run", "--rm", "--network", "none", ...env.flatMap((e) => ["--env", e]), "--entrypoint", exe!, tag, ...args], { encoding: "latin1" });
  return { code: out.code, stdout: out.stdout };
}

beforeAll(async () => {
  await requireFrontendImage();
  dir = mkdtempSync(join(tmpdir(), "sb-families-"));
  writeFileSync(join(dir, "Dockerfile"), DOCKERFILE);
  await build("build");
});

afterAll(() => {
  for (const [target, size] of Object.entries(sizes)) console.log(`families ${target.padEnd(6)} ${(size / 1e6).toFixed(1)} MB`);
});

describe("families end to end", () => {
  it("date traced in UTC tells Tokyo time; Python's zoneinfo knows an untraced zone", async () => {
    const [tz, fat] = [await build("tz"), "sidebundle-e2e/families:build"];
    for (const [argv, env] of [
      [["/usr/bin/date", "-d", "@0", "+%H:%M %Z"], ["TZ=Asia/Tokyo"]],
      [["/usr/bin/date", "-d", "@0"], []],
      [["/usr/bin/python3", "-c", "import datetime, zoneinfo; print(datetime.datetime(2020, 1, 1, tzinfo=zoneinfo.ZoneInfo('America/New_York')).utcoffset())"], []],
    ] as const) {
      const expected = await run(fat, [...argv], [...env]);
      expect(expected.code).toBe(0);
      expect(await run(tz, [...argv], [...env])).toEqual(expected);
    }
    expect((await run(tz, ["/usr/bin/date", "-d", "@0", "+%H:%M %Z"], ["TZ=Asia/Tokyo"])).stdout).toBe("09:00 JST\n");
  });

  it("--skip-rule=zoneinfo trims the database: Tokyo is then unknown, as the issue saw it", async () => {
    const skipped = await build("tz-skipped");
    expect((await run(skipped, ["/usr/bin/date", "-d", "@0", "+%H:%M %Z"], ["TZ=Asia/Tokyo"])).stdout).toBe("00:00 Asia\n");
  });

  it("ImageMagick traced on JPEG to PNG writes GIF and BMP too", async () => {
    const im = await build("im");
    const magic = async (format: string, bytes: number) => {
      const out = await run(im, ["/usr/bin/convert", "/in/rose.jpg", `${format}:-`]);
      return { code: out.code, magic: out.stdout.slice(0, bytes) };
    };
    expect(await magic("png", 4)).toEqual({ code: 0, magic: "\x89PNG" });
    expect(await magic("gif", 6)).toEqual({ code: 0, magic: "GIF89a" });
    expect(await magic("bmp", 2)).toEqual({ code: 0, magic: "BM" });
  });

  it("ffmpeg starts (libdrm, libGL... kept) and does an untraced conversion", async () => {
    const ff = await build("ff");
    const version = await run(ff, ["/usr/bin/ffmpeg", "-version"]);
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^ffmpeg version /) });
    const gif = await run(ff, ["/usr/bin/ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=1:size=64x48:rate=5", "-f", "gif", "pipe:1"]);
    expect({ code: gif.code, magic: gif.stdout.slice(0, 6) }).toEqual({ code: 0, magic: "GIF89a" });
    const wav = await run(ff, ["/usr/bin/ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=0.2", "-f", "wav", "pipe:1"]);
    expect({ code: wav.code, magic: wav.stdout.slice(0, 4) }).toEqual({ code: 0, magic: "RIFF" });
  });
});
