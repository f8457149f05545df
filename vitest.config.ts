import { defineConfig } from "vitest/config";

// Unit tests are fast and hermetic; end-to-end tests talk to the real Docker engine that
// scripts/engine.sh brings up (scripts/test.sh exports its DOCKER_HOST before vitest starts).
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 900_000,
    pool: "forks",
  },
});
