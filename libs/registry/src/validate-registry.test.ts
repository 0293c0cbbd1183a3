import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshChannels } from './channels.ts';
import { publishToRegistry } from './publish.ts';
import { makeDraft, tempDir, testKey } from './testing/stage-fixtures.ts';
import { validateRegistry } from './validate-registry.ts';

const { key } = testKey();
let root: string;
let pristine: string;

beforeAll(async () => {
  root = await tempDir('validate');
  pristine = join(root, 'pristine');
  await publishToRegistry({ registry: pristine, draftDir: await makeDraft(root, 'a', { weightsSeed: 1 }), signingKey: key });
  await publishToRegistry({ registry: pristine, draftDir: await makeDraft(root, 'b', { weightsSeed: 2 }), signingKey: key });
});
afterAll(() => rm(root, { recursive: true, force: true }));

const DAMAGE: Array<[string, (registry: string) => Promise<void>, RegExp]> = [
  ['a flipped model byte', async (r) => {
    const path = join(r, 'digits', '1.0.0', 'model.tflite');
    const bytes = await readFile(path);
    bytes[100]! ^= 1;
    await writeFile(path, bytes);
  }, /1\.0\.0: model\.tflite does not match its sha256/],
  ['a missing signature', (r) => rm(join(r, 'digits', '1.1.0', 'manifest.sig')), /1\.1\.0: manifest\.sig is missing/],
  ['a foreign signature', async (r) => {
    const other = testKey().key;
    const { signManifestBytes } = await import('@odt/contract');
    const bytes = await readFile(join(r, 'digits', '1.1.0', 'manifest.json'));
    await writeFile(join(r, 'digits', '1.1.0', 'manifest.sig'), JSON.stringify(signManifestBytes(bytes, other.privateKey, other.publicKey)));
  }, /1\.1\.0: signature: signed with key/],
  ['a version folder gone', (r) => rm(join(r, 'digits', '1.0.0'), { recursive: true }), /1\.0\.0: manifest\.json is missing/],
  ['a channel naming an unknown version', async (r) => {
    const index = JSON.parse(await readFile(join(r, 'index.json'), 'utf8'));
    index.models.digits.channels.stable = { version: '7.0.0', previous: [] };
    await writeFile(join(r, 'index.json'), JSON.stringify(index));
  }, /channel stable names unknown version 7\.0\.0/],
  ['an extra file in a version folder', (r) => writeFile(join(r, 'digits', '1.0.0', 'extra.bin'), 'x'), /unexpected file extra\.bin/],
];

describe('validateRegistry', () => {
  it('passes an intact registry', async () => {
    expect(await validateRegistry(pristine, { trustedKeys: [key.publicKey] })).toEqual({ ok: true, errors: [], warnings: [], versions: 2 });
  });

  it('warns, not fails, when a writer died between committing a channel and writing its document; a refresh writes it', async () => {
    const registry = join(root, 'channel-without-document');
    await cp(pristine, registry, { recursive: true });
    // What a publisher killed right after its index commit leaves: the index names a channel for
    // the first time (sequence 1) and its signed document was never written.
    const index = JSON.parse(await readFile(join(registry, 'index.json'), 'utf8'));
    index.models.digits.channels.canary = { version: '1.1.0', previous: [], sequence: 1 };
    await writeFile(join(registry, 'index.json'), JSON.stringify(index));
    const report = await validateRegistry(registry, { trustedKeys: [key.publicKey] });
    expect(report).toMatchObject({ ok: true, errors: [] });
    expect(report.warnings).toEqual([expect.stringMatching(/^digits channel canary: channel document is missing .* the next publish, promote or refresh writes it$/)]);
    expect(await refreshChannels(registry, key)).toContain('digits/canary@1.1.0#1');
    expect(await validateRegistry(registry, { trustedKeys: [key.publicKey] })).toEqual({ ok: true, errors: [], warnings: [], versions: 2 });
  });

  it.each(DAMAGE)('reports %s', async (name, damage, expected) => {
    const registry = join(root, name.replace(/\W+/g, '-'));
    await cp(pristine, registry, { recursive: true });
    await damage(registry);
    const report = await validateRegistry(registry, { trustedKeys: [key.publicKey] });
    expect(report.ok).toBe(false);
    expect(report.errors.join('\n')).toMatch(expected);
  });
});
