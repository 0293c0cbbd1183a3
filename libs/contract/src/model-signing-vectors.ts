import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MODEL_SIGNATURE_FILE_NAME, modelSigningKeyHint, signModelFiles, type ModelFileDigest, type ModelFileMismatch, type ModelSigningKey } from './model-signing.ts';
import type { ModelSignatureRefusalKind } from './model-signing-verify.ts';

/*
 * Golden vectors for model.sig, made by the real TypeScript signer and read by both verifiers
 * (model-signing-vectors.test.ts and the Kotlin ModelSignatureBundleVectorsTest), and by the
 * reference CLI in libs/registry/src/model-signing-reference.test.ts. Regenerate (and commit the
 * result) with:
 *   node --import tsx libs/contract/src/model-signing-vectors.ts
 * Both key pairs are TEST-ONLY and reused when present, so a regeneration only changes the
 * signatures (ECDSA signatures are randomized; no test compares their bytes).
 */

/** Where the checked-in vectors live; every suite reads them from here. */
export const MODEL_SIGNING_VECTORS_DIR = fileURLToPath(new URL('../vectors/model-signing/', import.meta.url));

/** The test-only key pairs: `trusted` signs the vectors, `other` is the untrusted signer. */
export const MODEL_SIGNING_TEST_KEYS = {
  trusted: { privateKey: 'test-only-signing-key.private.pem', publicKey: 'test-only-signing-key.public.pem' },
  other: { privateKey: 'test-only-other-key.private.pem', publicKey: 'test-only-other-key.public.pem' },
} as const;

/** One model folder under cases/ (its model.sig included) and what each verifier must say about it. */
export interface ModelSigningVectorCase {
  folder: string;
  expect: 'ok' | ModelSignatureRefusalKind;
  /** For file-mismatch: the exact files each verifier names. */
  files?: ModelFileMismatch;
  /** What `model_signing verify key` 1.1.1 says; it differs only where our verifiers are stricter. */
  modelSigning: 'verifies' | 'fails';
  why: string;
}

export interface ModelSigningVectorIndex {
  about: string;
  trustedKeys: string[];
  cases: ModelSigningVectorCase[];
}

/** The tiny model folder every case starts from: three files, one in a subfolder. */
const MODEL_FILES: Record<string, Buffer> = {
  'model.tflite': Buffer.concat([Buffer.from('\0\0\0\0TFL3'), Buffer.from(Array.from({ length: 56 }, (_, i) => (i * 37 + 11) & 0xff))]),
  'labels.txt': Buffer.from('zero\none\ntwo\n'),
  'assets/config.json': Buffer.from('{"inputShape":[28,28,1]}\n'),
};

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const digestsOf = (files: Record<string, Buffer>): ModelFileDigest[] => Object.entries(files).map(([path, bytes]) => ({ path, sha256: sha256(bytes) }));
const OPTIONS = { modelName: 'digits-vectors' };

function loadOrCreateKey(dir: string, privateFile: string, publicFile: string): ModelSigningKey {
  const privatePath = join(dir, privateFile);
  if (!existsSync(privatePath)) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(privatePath, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  }
  const privateKey = createPrivateKey(readFileSync(privatePath, 'utf8'));
  const publicKey = createPublicKey(privateKey);
  writeFileSync(join(dir, publicFile), publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey, publicKey };
}

type Bundle = { verificationMaterial: { publicKey: { hint: string } }; dsseEnvelope: { payload: string } };

/** Every case folder as path -> bytes (model.sig included), and the cases.json entries. */
function caseFolders(trusted: ModelSigningKey, other: ModelSigningKey): { folders: Record<string, Record<string, Buffer>>; cases: ModelSigningVectorCase[] } {
  const good = signModelFiles(digestsOf(MODEL_FILES), trusted, OPTIONS);
  const edit = (change: (bundle: Bundle) => void): Buffer => {
    const bundle = JSON.parse(good.toString('utf8')) as Bundle;
    change(bundle);
    return Buffer.from(JSON.stringify(bundle));
  };
  const flippedModel = Buffer.from(MODEL_FILES['model.tflite']!);
  flippedModel[20]! ^= 0x01;
  const withoutConfig = { ...MODEL_FILES };
  delete withoutConfig['assets/config.json'];
  const goodText = good.toString('utf8');
  const folders: Record<string, Record<string, Buffer>> = {
    '01-good': { ...MODEL_FILES, [MODEL_SIGNATURE_FILE_NAME]: good },
    '02-flipped-model-byte': { ...MODEL_FILES, 'model.tflite': flippedModel, [MODEL_SIGNATURE_FILE_NAME]: good },
    '03-extra-file': { ...MODEL_FILES, 'notes.txt': Buffer.from('added after signing\n'), [MODEL_SIGNATURE_FILE_NAME]: good },
    '04-missing-file': { ...withoutConfig, [MODEL_SIGNATURE_FILE_NAME]: good },
    '05-other-key': { ...MODEL_FILES, [MODEL_SIGNATURE_FILE_NAME]: signModelFiles(digestsOf(MODEL_FILES), other, OPTIONS) },
    '06-trusted-hint-on-other-keys-signature': {
      ...MODEL_FILES,
      [MODEL_SIGNATURE_FILE_NAME]: (() => {
        const bundle = JSON.parse(signModelFiles(digestsOf(MODEL_FILES), other, OPTIONS).toString('utf8')) as Bundle;
        bundle.verificationMaterial.publicKey.hint = modelSigningKeyHint(trusted.publicKey);
        return Buffer.from(JSON.stringify(bundle));
      })(),
    },
    '07-flipped-payload-byte': {
      ...MODEL_FILES,
      [MODEL_SIGNATURE_FILE_NAME]: edit((bundle) => {
        const payload = Buffer.from(bundle.dsseEnvelope.payload, 'base64');
        const at = payload.indexOf('"digits-vectors"') + 1;
        payload[at]! ^= 0x01; // 'd' -> 'e': only the informative subject name changes.
        bundle.dsseEnvelope.payload = payload.toString('base64');
      }),
    },
    '08-duplicate-key-in-bundle': {
      ...MODEL_FILES,
      [MODEL_SIGNATURE_FILE_NAME]: Buffer.from(goodText.replace('"mediaType":', '"mediaType":"application/x-unsigned-claim","mediaType":')),
    },
  };
  const cases: ModelSigningVectorCase[] = [
    { folder: '01-good', expect: 'ok', modelSigning: 'verifies', why: 'the folder as signed' },
    {
      folder: '02-flipped-model-byte',
      expect: 'file-mismatch',
      files: { extra: [], missing: [], changed: ['model.tflite'] },
      modelSigning: 'fails',
      why: 'one bit of model.tflite changed after signing',
    },
    {
      folder: '03-extra-file',
      expect: 'file-mismatch',
      files: { extra: ['notes.txt'], missing: [], changed: [] },
      modelSigning: 'fails',
      why: 'a file added after signing',
    },
    {
      folder: '04-missing-file',
      expect: 'file-mismatch',
      files: { extra: [], missing: ['assets/config.json'], changed: [] },
      modelSigning: 'fails',
      why: 'a signed file (in a subfolder) removed',
    },
    { folder: '05-other-key', expect: 'untrusted-key', modelSigning: 'fails', why: 'a valid signature by a key nobody trusts' },
    {
      folder: '06-trusted-hint-on-other-keys-signature',
      expect: 'bad-signature',
      modelSigning: 'fails',
      why: "the trusted key's hint on another key's signature",
    },
    { folder: '07-flipped-payload-byte', expect: 'bad-signature', modelSigning: 'fails', why: 'one bit of the signed statement changed' },
    {
      folder: '08-duplicate-key-in-bundle',
      expect: 'malformed',
      modelSigning: 'verifies',
      why: 'mediaType given twice: Python keeps the last (valid) value, our verifiers refuse any key given twice',
    },
  ];
  return { folders, cases };
}

/** Every regular file below `dir` as '/'-separated paths with sha256, model.sig included. */
export function modelFolderDigests(dir: string, prefix = ''): ModelFileDigest[] {
  return readdirSync(join(dir, prefix)).flatMap((name) => {
    const path = prefix ? `${prefix}/${name}` : name;
    const info = lstatSync(join(dir, path));
    if (info.isDirectory()) return modelFolderDigests(dir, path);
    if (!info.isFile()) throw new Error(`${join(dir, path)} is not a regular file`);
    return [{ path, sha256: sha256(readFileSync(join(dir, path))) }];
  });
}

/** Writes the keys, cases/ and cases.json into `dir`, replacing cases/ entirely. */
export function writeModelSigningVectors(dir: string): ModelSigningVectorIndex {
  mkdirSync(dir, { recursive: true });
  const trusted = loadOrCreateKey(dir, MODEL_SIGNING_TEST_KEYS.trusted.privateKey, MODEL_SIGNING_TEST_KEYS.trusted.publicKey);
  const other = loadOrCreateKey(dir, MODEL_SIGNING_TEST_KEYS.other.privateKey, MODEL_SIGNING_TEST_KEYS.other.publicKey);
  const { folders, cases } = caseFolders(trusted, other);
  rmSync(join(dir, 'cases'), { recursive: true, force: true });
  for (const [folder, files] of Object.entries(folders)) {
    for (const [path, bytes] of Object.entries(files)) {
      const target = join(dir, 'cases', folder, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, bytes);
    }
  }
  const index: ModelSigningVectorIndex = {
    about: 'model.sig vectors written by libs/contract/src/model-signing-vectors.ts; the keys here are TEST-ONLY.',
    trustedKeys: [MODEL_SIGNING_TEST_KEYS.trusted.publicKey],
    cases,
  };
  writeFileSync(join(dir, 'cases.json'), `${JSON.stringify(index, null, 2)}\n`);
  return index;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const index = writeModelSigningVectors(MODEL_SIGNING_VECTORS_DIR);
  console.log(`wrote ${index.cases.length} model.sig cases to ${MODEL_SIGNING_VECTORS_DIR}`);
}
