// The platforms a BUNDLE build is for, and their names as BuildKit keys results by them.
import { describe, expect, it } from "vitest";
import { platformId, targetPlatforms } from "../../frontend/bundle/platform.js";

const worker = { Workers: [{ platforms: [{ OS: "linux", Architecture: "arm64" }] }] };

describe("targetPlatforms", () => {
  it("is the worker's default platform without the option", () => {
    expect(targetPlatforms(undefined, worker)).toEqual([{ OS: "linux", Architecture: "arm64" }]);
    expect(targetPlatforms("", {})).toEqual([{ OS: "linux", Architecture: "amd64" }]);
  });

  it("reads several platforms, normalized and without duplicates, in the given order", () => {
    const platforms = targetPlatforms("linux/arm64/v8, linux/x86_64,linux/arm/v7,linux/amd64,linux/aarch64", worker);
    expect(platforms).toEqual([
      { OS: "linux", Architecture: "arm64" },
      { OS: "linux", Architecture: "amd64" },
      { OS: "linux", Architecture: "arm", Variant: "v7" },
    ]);
    expect(platforms.map(platformId)).toEqual(["linux/arm64", "linux/amd64", "linux/arm/v7"]);
  });
});
