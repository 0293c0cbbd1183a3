import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODEL_SIGNATURE_REFUSAL_KINDS, verifyModelSignature, type ModelSignatureCheck } from './model-signing.ts';
import {
  MODEL_SIGNING_VECTORS_DIR,
  modelFolderDigests,
  writeModelSigningVectors,
  type ModelSigningVectorCase,
  type ModelSigningVectorIndex,
} from './model-signing-vectors.ts';

// The checked-in vectors, read as the Kotlin ModelSignatureBundleVectorsTest reads them: hash every
// file of the case folder, verify its model.sig against the trusted key, compare the outcome.
const index = JSON.parse(readFileSync(join(MODEL_SIGNING_VECTORS_DIR, 'cases.json'), 'utf8')) as ModelSigningVectorIndex;
const trustedIn = (dir: string, files: string[]) => files.map((file) => createPublicKey(readFileSync(join(dir, file), 'utf8')));

function verifyCase(dir: string, c: ModelSigningVectorCase, trusted = trustedIn(dir, index.trustedKeys)): ModelSignatureCheck {
  const folder = join(dir, 'cases', c.folder);
  return verifyModelSignature(readFileSync(join(folder, 'model.sig')), trusted, modelFolderDigests(folder));
}

function expectOutcome(result: ModelSignatureCheck, c: ModelSigningVectorCase): void {
  expect(result.ok ? 'ok' : result.kind, `${c.why}; got ${JSON.stringify(result)}`).toBe(c.expect);
  if (c.files) expect(result.ok ? undefined : result.files).toEqual(c.files);
}

describe('model.sig vectors', () => {
  it.each(index.cases.map((c) => [`${c.folder}: ${c.expect}`, c] as const))('%s', (_, c) => {
    expectOutcome(verifyCase(MODEL_SIGNING_VECTORS_DIR, c), c);
  });

  it('has a folder for every case and covers every refusal kind except a bad statement', () => {
    expect(readdirSync(join(MODEL_SIGNING_VECTORS_DIR, 'cases')).sort()).toEqual(index.cases.map((c) => c.folder).sort());
    // A bad statement needs a trusted signature over a wrong statement: unit-tested, no vector.
    const kinds = MODEL_SIGNATURE_REFUSAL_KINDS.filter((kind) => kind !== 'bad-statement');
    expect(new Set(index.cases.map((c) => c.expect))).toEqual(new Set(['ok', ...kinds]));
  });

  const scratch = mkdtempSync(join(tmpdir(), 'model-signing-vectors-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('are what the generator writes today (regenerate and commit if this fails)', () => {
    const fresh = writeModelSigningVectors(scratch);
    expect(readFileSync(join(scratch, 'cases.json'), 'utf8')).toBe(readFileSync(join(MODEL_SIGNING_VECTORS_DIR, 'cases.json'), 'utf8'));
    for (const c of fresh.cases) {
      const files = (dir: string) => modelFolderDigests(join(dir, 'cases', c.folder)).filter((f) => f.path !== 'model.sig');
      expect(files(scratch), c.folder).toEqual(files(MODEL_SIGNING_VECTORS_DIR));
      expectOutcome(verifyCase(scratch, c, trustedIn(scratch, fresh.trustedKeys)), c);
    }
  });
});
