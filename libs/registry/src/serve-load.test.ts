import { expect, it } from 'vitest';
import { runServeLoad } from './testing/serve-load.ts';

// The full-size run (>= 20,000 reads during >= 10 publishes) is `npx nx run bench:serve`; this
// smaller one keeps the same property in every test run.
it('serve never sends a torn index.json or an ETag of other bytes while publishes run', async () => {
  const report = await runServeLoad({ reads: 3_000, minPublishes: 3, concurrency: 6, maxSeconds: 90 });
  console.log(`serve under publish: ${report.reads} reads, ${report.publishes} publishes, p99 ${report.p99Ms.toFixed(2)} ms`);
  expect(report.publishes).toBeGreaterThanOrEqual(3);
  expect(report).toMatchObject({ torn: 0, etagMismatches: 0, statusErrors: 0 });
});
