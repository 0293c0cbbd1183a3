import { defineConfig } from 'vitest/config';

// Training tests run real tfjs-node; one file at a time keeps the 2-core machine responsive.
export default defineConfig({
  test: { fileParallelism: false, testTimeout: 60_000, env: { TF_CPP_MIN_LOG_LEVEL: '2' } },
});
