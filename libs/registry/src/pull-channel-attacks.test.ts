import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promote, rollback } from './channels.ts';
import { publishToRegistry } from './publish.ts';
import { pullVersion } from './pull.ts';
import { localSource } from './registry-source.ts';
import { codeOf, makeDraft, tempDir, testKey } from './testing/stage-fixtures.ts';

// TUF's attacks on a channel, each refused by pull with its own error: a replayed older channel
// document (rollback), an expired one (freeze), and a manifest of one version served for another
// (mix-and-match). A deliberate rollback by the publisher is accepted.
const { key } = testKey();
let root: string;
let registry: string;
const channelDoc = (r: string) => join(r, 'digits', 'channels', 'stable.json');

beforeAll(async () => {
  root = await tempDir('channel-attacks');
  registry = join(root, 'registry');
  await publishToRegistry({ registry, draftDir: await makeDraft(root, 'a', { weightsSeed: 1 }), signingKey: key });
  await publishToRegistry({ registry, draftDir: await makeDraft(root, 'b', { weightsSeed: 2 }), signingKey: key });
});
afterAll(() => rm(root, { recursive: true, force: true }));

const pull = (from: string, dest: string, now?: Date) =>
  pullVersion({ source: localSource(from), name: 'digits', selector: { channel: 'stable' }, dest, trustedKeys: [key.publicKey], now });

describe('pull follows signed channel documents', () => {
  it('refuses a replayed older channel document after seeing a newer one (CHANNEL_ROLLBACK)', async () => {
    await promote(registry, 'digits', '1.0.0', 'stable', key);
    const old = await readFile(channelDoc(registry));
    await promote(registry, 'digits', '1.1.0', 'stable', key);
    const dest = join(root, 'device-rollback');
    expect((await pull(registry, dest)).version).toBe('1.1.0');
    // The mirror serves the old, validly signed document again.
    const mirror = join(root, 'mirror-rollback');
    await cp(registry, mirror, { recursive: true });
    await writeFile(channelDoc(mirror), old);
    expect(await codeOf(pull(mirror, dest))).toBe('CHANNEL_ROLLBACK');
    expect(JSON.parse(await readFile(join(dest, 'manifest.json'), 'utf8')).version).toBe('1.1.0');
  });

  it('accepts a deliberate rollback: a newer document naming the older version', async () => {
    const dest = join(root, 'device-deliberate');
    await promote(registry, 'digits', '1.1.0', 'stable', key);
    expect((await pull(registry, dest)).version).toBe('1.1.0');
    await rollback(registry, 'digits', 'stable', key);
    expect((await pull(registry, dest)).version).toBe('1.0.0');
  });

  it('refuses an expired channel document (CHANNEL_EXPIRED): a frozen mirror cannot serve it forever', async () => {
    const in40Days = new Date(Date.now() + 40 * 24 * 60 * 60 * 1000);
    expect(await codeOf(pull(registry, join(root, 'device-frozen'), in40Days))).toBe('CHANNEL_EXPIRED');
  });

  it('refuses the manifest of another version served under the one the channel names (MIX_AND_MATCH)', async () => {
    await promote(registry, 'digits', '1.1.0', 'stable', key);
    const mirror = join(root, 'mirror-mix');
    await cp(registry, mirror, { recursive: true });
    for (const file of ['manifest.json', 'manifest.sig', 'model.sig']) await cp(join(mirror, 'digits', '1.0.0', file), join(mirror, 'digits', '1.1.0', file));
    expect(await codeOf(pull(mirror, join(root, 'device-mix')))).toBe('MIX_AND_MATCH');
  });

  it('refuses a channel document signed by another key (SIGNATURE_INVALID) or missing (NOT_FOUND)', async () => {
    const mirror = join(root, 'mirror-key');
    await cp(registry, mirror, { recursive: true });
    const other = testKey().key;
    await promote(mirror, 'digits', '1.0.0', 'stable', other);
    expect(await codeOf(pull(mirror, join(root, 'device-key')))).toBe('SIGNATURE_INVALID');
    await rm(channelDoc(mirror));
    expect(await codeOf(pull(mirror, join(root, 'device-missing')))).toBe('NOT_FOUND');
  });
});
