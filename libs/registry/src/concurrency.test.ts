import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestSchema } from '@odt/contract';
import { listDir } from './durable-fs.ts';
import { publishToRegistry } from './publish.ts';
import { readIndex } from './registry-index-store.ts';
import { PUBLISHER_CHILD, spawnTs } from './testing/child-process.ts';
import { makeDraft, tempDir, testKey } from './testing/stage-fixtures.ts';
import { validateRegistry } from './validate-registry.ts';

const { key, privatePem } = testKey();
let root: string;
let registry: string;
let keyFile: string;

beforeAll(async () => {
  root = await tempDir('concurrency');
  registry = join(root, 'registry');
  keyFile = join(root, 'signing.pem');
  await writeFile(keyFile, privatePem);
  await publishToRegistry({ registry, draftDir: await makeDraft(root, 'base', { weightsSeed: 1 }), signingKey: key });
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Starts two real tsx publishers, lets both load, then releases them at the same moment. */
async function race(draftX: string, draftY: string): Promise<[string, string]> {
  const children = [draftX, draftY].map((draft) => spawnTs(PUBLISHER_CHILD, [registry, '1', draft], { MODEL_SIGNING_KEY_FILE: keyFile }));
  await Promise.all(children.map((c) => c.ready));
  for (const child of children) child.process.stdin!.write('go\n');
  const exits = await Promise.all(children.map((c) => c.exited));
  exits.forEach((exit, i) => expect(exit, children[i]!.stderr()).toEqual({ code: 0, signal: null }));
  return children.map((c) => c.stdout().split('\n').find((line) => /^(published|unchanged) /.test(line))!) as [string, string];
}

async function manifestOf(version: string) {
  return ManifestSchema.parse(JSON.parse(await readFile(join(registry, 'digits', version, 'manifest.json'), 'utf8')));
}

describe('concurrent publishers', () => {
  it('two different models at once: both published, each version holds exactly its own files', async () => {
    const draftX = await makeDraft(root, 'x', { weightsSeed: 2 });
    const draftY = await makeDraft(root, 'y', { weightsSeed: 3 });
    const [x, y] = await race(draftX, draftY);
    expect([x, y].sort()).toEqual(['published 1.1.0', 'published 1.2.0']);
    const draftOf = async (dir: string) => JSON.parse(await readFile(join(dir, 'draft-manifest.json'), 'utf8'));
    expect((await manifestOf(x.split(' ')[1]!)).contentHash).toBe((await draftOf(draftX)).contentHash);
    expect((await manifestOf(y.split(' ')[1]!)).contentHash).toBe((await draftOf(draftY)).contentHash);
    const index = await readIndex(registry);
    expect(index.models.digits!.versions.map((v) => v.version)).toEqual(['1.0.0', ...[x, y].map((l) => l.split(' ')[1]!).sort()]);
    expect(await validateRegistry(registry, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, warnings: [] });
  });

  it('the same model twice at once: one publishes, the other finds it identical', async () => {
    const draft = await makeDraft(root, 'z', { weightsSeed: 4 });
    const results = await race(draft, draft);
    expect(results.sort()).toEqual(['published 1.3.0', 'unchanged 1.3.0']);
    expect(await validateRegistry(registry, { trustedKeys: [key.publicKey] })).toMatchObject({ ok: true, warnings: [] });
    expect((await listDir(registry)).sort()).toEqual(['digits', 'index.json']);
  });
});
