import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDir } from './durable-fs.ts';
import { publishToRegistry } from './publish.ts';
import { isLeftover } from './registry-cleanup.ts';
import { readIndex } from './registry-index-store.ts';
import { LOCK_FILE } from './registry-lock.ts';
import { compileWithTsxEsbuild, PUBLISHER_CHILD, spawnTs, type Child } from './testing/child-process.ts';
import { makeDraft, tempDir, testKey } from './testing/stage-fixtures.ts';
import { validateRegistry } from './validate-registry.ts';

const TRIALS = Number(process.env.CRASH_TRIALS ?? 60);
const { key, privatePem } = testKey();
let root: string;
let registry: string;
let keyFile: string;
let drafts: string[];
let childScript = PUBLISHER_CHILD;

beforeAll(async () => {
  root = await tempDir('crash');
  registry = join(root, 'registry');
  keyFile = join(root, 'signing.pem');
  await writeFile(keyFile, privatePem);
  // CRASH_CHILD=tsx runs each child through the tsx loader instead (slower start, same code).
  if (process.env.CRASH_CHILD !== 'tsx') childScript = await compileWithTsxEsbuild(PUBLISHER_CHILD, join(root, 'publisher-child.mjs'));
  drafts = [
    await makeDraft(root, 'a', { weightsSeed: 1 }),
    await makeDraft(root, 'b', { weightsSeed: 2 }),
    await makeDraft(root, 'c', { weightsSeed: 3, trainBatchSize: 16 }),
  ];
  await publishToRegistry({ registry, draftDir: drafts[0]!, signingKey: key });
});
afterAll(() => rm(root, { recursive: true, force: true }));

function startChild(): Child {
  // Rotate the draft order so each child starts with content that differs from the latest.
  return spawnTs(childScript, [registry, '40', ...drafts.slice(1), drafts[0]!], {
    MODEL_SIGNING_KEY_FILE: keyFile,
    CHILD_MOVE_CHANNELS: '1',
  });
}

describe('crash safety', () => {
  it(`survives ${TRIALS} publishers SIGKILLed at random moments`, async () => {
    const started = Date.now();
    const debris = { staleLock: 0, staging: 0, uncommitted: 0, cleanExit: 0 };
    let next = startChild();
    for (let trial = 0; trial < TRIALS; trial += 1) {
      const before = await readIndex(registry);
      if (process.env.CRASH_DEBUG) console.error('trial', trial, Date.now() - started);
      const child = next;
      await child.ready;
      // Start the next child now so its module loading overlaps this trial (it waits for "go").
      next = trial + 1 < TRIALS ? startChild() : (null as unknown as Child);
      child.process.stdin!.write('go\n');
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 400));
      child.process.kill('SIGKILL');
      const exit = await child.exited;
      if (exit.signal !== 'SIGKILL') debris.cleanExit += 1;
      expect(child.stderr(), `trial ${trial} stderr`).not.toMatch(/error/i);

      const entries = await listDir(registry);
      if (entries.includes(LOCK_FILE)) debris.staleLock += 1;
      if (entries.some(isLeftover)) debris.staging += 1;
      const report = await validateRegistry(registry, { trustedKeys: [key.publicKey] });
      if (report.warnings.some((w) => w.startsWith('uncommitted'))) debris.uncommitted += 1;
      expect(report.errors, `trial ${trial}`).toEqual([]);

      // Every version committed before this trial is still listed with the same manifest bytes.
      const after = await readIndex(registry);
      for (const entry of before.models.digits!.versions) {
        expect(after.models.digits!.versions).toContainEqual(entry);
        const manifest = await readFile(join(registry, 'digits', entry.version, 'manifest.json'));
        expect(manifest.length).toBeGreaterThan(0);
      }
    }
    // The next writer recovers: stale lock broken, leftovers removed, publishing continues.
    const final = await publishToRegistry({ registry, draftDir: drafts[1]!, signingKey: key, lockTimeoutMs: 5_000 });
    const report = await validateRegistry(registry, { trustedKeys: [key.publicKey] });
    expect(report).toMatchObject({ ok: true, warnings: [] });
    const elapsed = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `crash test (${childScript.endsWith('.mjs') ? 'compiled' : 'tsx'} children): ${TRIALS} SIGKILL trials in ${elapsed} s; ${report.versions} versions committed; ` +
        `kills that left a stale lock ${debris.staleLock}, staging debris ${debris.staging}, an uncommitted version ${debris.uncommitted}; ` +
        `children that finished before the kill ${debris.cleanExit}; last publish ${final.status} ${final.version}`,
    );
    expect(debris.staleLock + debris.staging + debris.uncommitted).toBeGreaterThan(0);
  }, Math.max(120_000, TRIALS * 2_000));
});
