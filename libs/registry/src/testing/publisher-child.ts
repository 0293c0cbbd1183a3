// A real publisher process for the crash and concurrency tests: loads everything, says
// "ready", waits for "go" on stdin, then publishes the given drafts in turn (moving the canary
// channel too) until done or killed. Args: <registry> <rounds> <draftDir>...
import { createInterface } from 'node:readline';
import { isOdtError } from '@odt/cli-kit';
import { promote, rollback } from '../channels.ts';
import { publishToRegistry } from '../publish.ts';
import { loadSigningKey } from '../signing-keys.ts';

const [registry, roundsText, ...drafts] = process.argv.slice(2);
if (!registry || !roundsText || drafts.length === 0) throw new Error('usage: publisher-child.ts <registry> <rounds> <draft>...');
const signingKey = await loadSigningKey(process.env);
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === 'go') break;

const rounds = Number(roundsText);
for (let i = 0; i < rounds; i += 1) {
  const result = await publishToRegistry({ registry, draftDir: drafts[i % drafts.length]!, signingKey });
  process.stdout.write(`${result.status} ${result.version}\n`);
  if (result.status === 'published' && process.env.CHILD_MOVE_CHANNELS === '1') {
    await promote(registry, result.name, result.version, 'canary', signingKey);
    if (i % 3 === 2) await rollback(registry, result.name, 'canary', signingKey).catch((e) => (isOdtError(e, 'NOT_FOUND') ? undefined : Promise.reject(e)));
  }
}
process.stdout.write('done\n');
lines.close();
