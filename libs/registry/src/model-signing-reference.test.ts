import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, lstat, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_SIGNATURE_FILE_NAME, verifyModelSignature, type ModelFileDigest } from '@odt/contract';
import { MODEL_SIGNING_CLI, signingEnvProblem, WORKSPACE_ROOT } from '@odt/provision';
import { publishToRegistry } from './publish.ts';
import { makeDraft, tempDir, testKey } from './testing/stage-fixtures.ts';

// The registry's model.sig checked by the reference verifier itself: the pinned `model_signing`
// CLI (python-bridge/signing/requirements.lock, provisioned into python-bridge/.venv-signing) must
// accept a published version folder and refuse it after one flipped byte, and our TypeScript
// verifier must say the same. CI provisions that env, so a missing one fails here, never skips.

/** Every regular file of a folder as '/'-separated paths with sha256; symlinks are refused as model_signing does. */
async function folderDigests(dir: string, prefix = ''): Promise<ModelFileDigest[]> {
  const nested = await Promise.all(
    (await readdir(join(dir, prefix))).map(async (name) => {
      const path = prefix ? `${prefix}/${name}` : name;
      const info = await lstat(join(dir, path));
      if (info.isDirectory()) return folderDigests(dir, path);
      if (!info.isFile()) throw new Error(`${join(dir, path)} is not a regular file`);
      return [{ path, sha256: createHash('sha256').update(await readFile(join(dir, path))).digest('hex') }];
    }),
  );
  return nested.flat();
}

async function referenceVerify(folder: string, publicKeyFile: string) {
  const args = ['verify', 'key', folder, '--signature', join(folder, MODEL_SIGNATURE_FILE_NAME), '--public_key', publicKeyFile];
  return execa(MODEL_SIGNING_CLI, args, { reject: false, timeout: 60_000, stdin: 'ignore' });
}

async function oursVerify(folder: string, publicPem: string) {
  return verifyModelSignature(await readFile(join(folder, MODEL_SIGNATURE_FILE_NAME)), [createPublicKey(publicPem)], await folderDigests(folder));
}

beforeAll(async () => {
  const problem = await signingEnvProblem();
  if (problem) {
    throw new Error(
      `the reference model.sig verifier is not provisioned (${problem}). ` +
        'Run `npx nx run provision:provision` (it creates python-bridge/.venv-signing from python-bridge/signing/requirements.lock).',
    );
  }
});

describe('model.sig of a published version folder, checked by model_signing 1.1.1', () => {
  let root: string;
  let versionDir: string;
  let publicKeyFile: string;
  const { key, publicPem } = testKey();

  beforeAll(async () => {
    root = await tempDir('model-sig-ref');
    const published = await publishToRegistry({ registry: join(root, 'registry'), draftDir: await makeDraft(root, 'ref'), signingKey: key });
    if (published.status !== 'published') throw new Error(`fixture publish did not publish: ${published.status}`);
    versionDir = published.path;
    publicKeyFile = join(root, 'model-signing.pub.pem');
    await writeFile(publicKeyFile, publicPem);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('publish signs every file of the folder: the manifest files, manifest.json and manifest.sig', async () => {
    const signed = (await folderDigests(versionDir)).map((file) => file.path).filter((path) => path !== MODEL_SIGNATURE_FILE_NAME);
    expect(signed).toEqual(expect.arrayContaining(['model.tflite', 'manifest.json', 'manifest.sig']));
  });

  it('verifies with the reference CLI and with ours', async () => {
    const reference = await referenceVerify(versionDir, publicKeyFile);
    expect(reference.exitCode, reference.stderr).toBe(0);
    expect(reference.stdout).toContain('Verification succeeded');
    expect(await oursVerify(versionDir, publicPem)).toMatchObject({ ok: true });
  });

  it('fails in both after one flipped byte of model.tflite, naming the file', async () => {
    const tampered = join(root, 'tampered');
    await cp(versionDir, tampered, { recursive: true });
    const model = await readFile(join(tampered, 'model.tflite'));
    model[model.length >> 1]! ^= 0x01;
    await writeFile(join(tampered, 'model.tflite'), model);
    const reference = await referenceVerify(tampered, publicKeyFile);
    expect(reference.exitCode).not.toBe(0);
    // model_signing prints the Python repr of its diff list, so the quotes may come escaped.
    expect(reference.stderr).toMatch(/Signature mismatch: .*Hash mismatch for \\?'model\.tflite\\?'/);
    expect(await oursVerify(tampered, publicPem)).toMatchObject({ ok: false, kind: 'file-mismatch', files: { changed: ['model.tflite'] } });
  });
});

describe('the checked-in model.sig vectors, checked by model_signing 1.1.1', () => {
  const vectors = join(WORKSPACE_ROOT, 'libs', 'contract', 'vectors', 'model-signing');
  const index = JSON.parse(readFileSync(join(vectors, 'cases.json'), 'utf8')) as {
    trustedKeys: string[];
    cases: Array<{ folder: string; modelSigning: 'verifies' | 'fails'; why: string }>;
  };

  it.each(index.cases.map((c) => [`${c.folder}: model_signing ${c.modelSigning}`, c] as const))('%s', async (_, c) => {
    const result = await referenceVerify(join(vectors, 'cases', c.folder), join(vectors, index.trustedKeys[0]!));
    expect(result.exitCode === 0 ? 'verifies' : 'fails', `${c.why}\n${result.stdout}${result.stderr}`).toBe(c.modelSigning);
  });
});
