import { defineConfig } from 'vitest/config';

// Child-process tests (crash, concurrency) spawn tsx publishers. The timeouts only catch hangs:
// `npm test` runs three Nx tasks at once on 2 cores, so a test can take several times its usual time.
export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
});
