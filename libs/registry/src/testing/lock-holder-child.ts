// A real lock holder for registry-lock.test.ts. Says "ready", waits for "go", takes the registry
// lock and marks its critical section with an O_EXCL file (finding it taken prints OVERLAP),
// holds the lock (<hold> ms, until "commit" on stdin, or "forever"), then checks it still holds
// it ("committed" or "lost <code>"), leaves the section and releases ("released").
// Args: <registry> <markerDir> <staleAfterMs> <hold>
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { isOdtError } from '@odt/cli-kit';
import { acquireRegistryLock } from '../registry-lock.ts';

const [registry, markerDir, staleText, hold] = process.argv.slice(2);
if (!registry || !markerDir || !staleText || !hold) throw new Error('usage: lock-holder-child.ts <registry> <markerDir> <staleAfterMs> <hold>');
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
async function waitForLine(wanted: string): Promise<void> {
  for (;;) {
    const { value, done } = await lines.next();
    if (done || String(value).trim() === wanted) return;
  }
}

process.stdout.write('ready\n');
await waitForLine('go');
const lock = await acquireRegistryLock(registry, { staleAfterMs: Number(staleText), timeoutMs: 60_000 });
const marker = join(markerDir, 'inside');
const entered = await open(marker, 'wx').then(
  (handle) => handle.close().then(() => true),
  () => false,
);
if (!entered) process.stdout.write('OVERLAP\n');
process.stdout.write(`locked ${process.pid}\n`);
if (hold === 'forever') await new Promise(() => setInterval(() => undefined, 60_000));
else if (hold === 'stdin') await waitForLine('commit');
else await sleep(Number(hold));
try {
  await lock.assertHeld();
  process.stdout.write('committed\n');
} catch (error) {
  process.stdout.write(`lost ${isOdtError(error) ? error.code : String(error)}\n`);
}
if (entered) await unlink(marker);
await lock.release();
process.stdout.write('released\n');
process.exit(0);
