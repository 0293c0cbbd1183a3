import { defineConfig } from 'vitest/config';

// Each test file starts its own fakes on loopback and sets the emulator env for its process,
// so files run in separate forks, one at a time (the machine has 2 shared cores).
// The timeouts only catch hangs; under `npm test` other Nx tasks share those cores.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], pool: 'forks', fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000 },
});
