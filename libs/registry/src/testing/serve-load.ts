import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { publishToRegistry } from '../publish.ts';
import { CLI_MAIN, PUBLISHER_CHILD, spawnTs } from './child-process.ts';
import { makeDraft, tempDir, testKey } from './stage-fixtures.ts';

/** What one load run saw; `torn` and `etagMismatches` must be 0. */
export interface ServeLoadReport {
  reads: number;
  publishes: number;
  torn: number;
  etagMismatches: number;
  statusErrors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  readsPerSecond: number;
  seconds: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

/**
 * A bounded loopback load on `serve`: the real CLI serves a folder registry while a real
 * publisher process keeps publishing and moving channels, and `concurrency` readers fetch
 * index.json until `reads` are done and at least `minPublishes` publishes finished. Every body
 * must parse and hash to its ETag. Traffic goes to 127.0.0.1 only and stops by itself
 * (`maxSeconds`).
 */
export async function runServeLoad(options: { reads: number; minPublishes: number; concurrency?: number; maxSeconds?: number }): Promise<ServeLoadReport> {
  const root = await tempDir('serve-load');
  const registry = join(root, 'registry');
  const { key, privatePem } = testKey();
  const drafts = [await makeDraft(root, 'a', { weightsSeed: 1 }), await makeDraft(root, 'b', { weightsSeed: 2 })];
  await publishToRegistry({ registry, draftDir: drafts[0]!, signingKey: key });
  const server = spawnTs(CLI_MAIN, ['serve', '--port', '0', '--registry', registry], { MODEL_REGISTRY: '' });
  const publisher = spawnTs(PUBLISHER_CHILD, [registry, '100000', drafts[1]!, drafts[0]!], { MODEL_SIGNING_KEY: privatePem, CHILD_MOVE_CHANNELS: '1' });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const match = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(server.stdout());
        if (match) {
          clearInterval(timer);
          resolve(match[1]!);
        }
      }, 20);
      void server.exited.then(() => reject(new Error(`serve exited: ${server.stderr()}`)));
    });
    await publisher.ready;
    publisher.process.stdin!.write('go\n');
    const publishes = () => (publisher.stdout().match(/^published /gm) ?? []).length;
    const latencies: number[] = [];
    let torn = 0;
    let etagMismatches = 0;
    let statusErrors = 0;
    const started = performance.now();
    const deadline = started + (options.maxSeconds ?? 300) * 1000;
    const reader = async () => {
      while ((latencies.length < options.reads || publishes() < options.minPublishes) && performance.now() < deadline) {
        const t0 = performance.now();
        const response = await fetch(`${url}index.json`);
        const body = Buffer.from(await response.arrayBuffer());
        latencies.push(performance.now() - t0);
        if (response.status !== 200) {
          statusErrors += 1;
          continue;
        }
        try {
          JSON.parse(body.toString('utf8'));
        } catch {
          torn += 1;
        }
        if (response.headers.get('etag') !== `"sha256-${createHash('sha256').update(body).digest('hex')}"`) etagMismatches += 1;
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 8 }, reader));
    const seconds = (performance.now() - started) / 1000;
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      reads: latencies.length,
      publishes: publishes(),
      torn,
      etagMismatches,
      statusErrors,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      maxMs: sorted[sorted.length - 1] ?? 0,
      readsPerSecond: latencies.length / seconds,
      seconds,
    };
  } finally {
    publisher.process.kill('SIGKILL');
    server.process.kill('SIGTERM');
    await Promise.all([publisher.exited, server.exited]);
    await rm(root, { recursive: true, force: true });
  }
}
