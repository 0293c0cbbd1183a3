import { defineConfig } from 'vitest/config';

// Child-process tests (crash, concurrency) spawn tsx publishers; give them room on 2 cores.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});
