import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { sha256Hex, signManifestBytes } from '@odt/contract';
import { publishToRegistry } from './publish.ts';
import { pullVersion } from './pull.ts';
import { sourceFor } from './registry-source.ts';
import { serveRegistry } from './serve.ts';
import { makeDraft, tempDir, testKey } from './testing/stage-fixtures.ts';

const trusted = testKey().key;
const attacker = testKey().key;
let root: string;
let pristine: string;

beforeAll(async () => {
  root = await tempDir('tamper');
  pristine = join(root, 'pristine');
  await publishToRegistry({ registry: pristine, draftDir: await makeDraft(root, 'a'), signingKey: trusted });
});
afterAll(() => rm(root, { recursive: true, force: true }));

const versionDir = (registry: string) => join(registry, 'digits', '1.0.0');

async function flipByte(path: string, at: number): Promise<void> {
  const bytes = await readFile(path);
  bytes[at % bytes.length]! ^= 0x01;
  await writeFile(path, bytes);
}

/** Each tamper turns a copy of a good registry into a bad one; the code is what pull must say. */
const TAMPERS: Array<{ name: string; code: string; apply: (registry: string) => Promise<void> }> = [
  { name: 'a flipped byte in the model', code: 'INTEGRITY_FAILED', apply: (r) => flipByte(join(versionDir(r), 'model.tflite'), 700) },
  { name: 'a flipped byte in the manifest', code: 'SIGNATURE_INVALID', apply: (r) => flipByte(join(versionDir(r), 'manifest.json'), 200) },
  { name: 'a missing signature', code: 'SIGNATURE_INVALID', apply: (r) => rm(join(versionDir(r), 'manifest.sig')) },
  {
    name: 'a swapped model re-signed with another key',
    code: 'SIGNATURE_INVALID',
    apply: async (r) => {
      const dir = versionDir(r);
      const evil = Buffer.from('TFL3 not the published model');
      await writeFile(join(dir, 'model.tflite'), evil);
      const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
      const file = manifest.files.find((f: { path: string }) => f.path === 'model.tflite');
      Object.assign(file, { sha256: sha256Hex(evil), size: evil.length });
      const bytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      await writeFile(join(dir, 'manifest.json'), bytes);
      await writeFile(join(dir, 'manifest.sig'), JSON.stringify(signManifestBytes(bytes, attacker.privateKey, attacker.publicKey)));
      const index = JSON.parse(await readFile(join(r, 'index.json'), 'utf8'));
      index.models.digits.versions[0].manifestSha256 = sha256Hex(bytes);
      await writeFile(join(r, 'index.json'), JSON.stringify(index));
    },
  },
];

async function pullCode(from: string, dest: string, keys = [trusted.publicKey]): Promise<string | undefined> {
  try {
    await pullVersion({ source: sourceFor(from), name: 'digits', selector: { range: '^1.0.0' }, dest, trustedKeys: keys });
  } catch (error) {
    return isOdtError(error) ? error.code : `non-odt: ${String(error)}`;
  }
  return undefined;
}

describe.each(['local path', 'HTTP'])('pull from a %s', (transport) => {
  async function withSource<T>(registry: string, run: (from: string) => Promise<T>): Promise<T> {
    if (transport === 'local path') return run(registry);
    const served = await serveRegistry({ root: registry, port: 0 });
    try {
      return await run(served.url);
    } finally {
      await served.close();
    }
  }

  it('installs an untouched version after checking signature and every sha256', async () => {
    const dest = join(root, `ok-${transport}`, 'model');
    expect(await withSource(pristine, (from) => pullCode(from, dest))).toBeUndefined();
    expect(await readFile(join(dest, 'model.tflite'))).toEqual(await readFile(join(versionDir(pristine), 'model.tflite')));
    expect(await readFile(join(dest, 'manifest.sig'))).toEqual(await readFile(join(versionDir(pristine), 'manifest.sig')));
  });

  it('refuses a version signed by a key it does not trust', async () => {
    const dest = join(root, `wrong-key-${transport}`);
    expect(await withSource(pristine, (from) => pullCode(from, dest, [attacker.publicKey]))).toBe('SIGNATURE_INVALID');
  });

  it.each(TAMPERS)('refuses $name ($code) and leaves the destination as it was', async ({ name, code, apply }) => {
    const registry = join(root, `copy-${transport}-${name.replace(/\W+/g, '-')}`);
    await cp(pristine, registry, { recursive: true });
    await apply(registry);
    const dest = join(root, `dest-${transport}-${name.replace(/\W+/g, '-')}`);
    expect(await pullCode(pristine, dest)).toBeUndefined();
    const before = await readFile(join(dest, 'model.tflite'));
    expect(await withSource(registry, (from) => pullCode(from, dest))).toBe(code);
    expect(await readFile(join(dest, 'model.tflite'))).toEqual(before);
  });
});
