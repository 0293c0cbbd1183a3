import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildSignatureContract, sha256Hex } from '@odt/contract';
import {
  fetchVerifiedVersion,
  openRegistrySource,
  publishToRegistry,
  signingKeyFromPem,
  writeDraftStage,
  type SigningKey,
  type VerifiedVersion,
  type VersionSelector,
} from '@odt/registry';

/**
 * A tiny but structurally valid flatbuffer with the TFLite identifier: root-table offset 16 at
 * byte 0, "TFL3" at byte 4, a 4-byte vtable at 8 (vtable size 4, table size 8), the root table
 * at 16 pointing back 8 bytes to it; the rest is seed-dependent filler. Enough for the service's
 * (and the fake's) flatbuffer parse.
 */
export function fakeTflite(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(Math.max(size, 24));
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + seed * 7) & 0xff;
  bytes.writeUInt32LE(16, 0);
  bytes.write('TFL3', 4, 'latin1');
  bytes.writeUInt16LE(4, 8);
  bytes.writeUInt16LE(8, 10);
  bytes.writeUInt32LE(0, 12);
  bytes.writeInt32LE(8, 16);
  return bytes;
}

/** What a test varies about one model: its bytes, its size, its signature contract. */
export interface StageOptions {
  /** Changes the model bytes (and the recorded config, as a real retrain would). */
  seed?: number;
  modelBytes?: number;
  /** Changes the signature contract (a new contract needs a new major version). */
  trainBatchSize?: number;
  /** A failed verification report: the registry refuses to version it (NOT_VERIFIED). */
  verifyPassed?: boolean;
  /** Keeps the TFL3 identifier but points the root table outside the file (the service's parse rejects it). */
  corruptFlatbuffer?: boolean;
}

/** A P-256 signing key made in memory, with the PEM of its public half. */
export function testSigningKey(): { key: SigningKey; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { key: signingKeyFromPem(pem, 'publishers-test'), publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string };
}

/**
 * Writes train/convert/verify stage folders like the pipeline's, with tiny but well-formed files.
 * They are only inputs: the registry's own `writeDraftStage` and `publishToRegistry` turn them
 * into a signed version, so tests mirror exactly what the real registry writes.
 */
async function writeStages(root: string, name: string, options: StageOptions): Promise<{ train: string; convert: string; verify: string }> {
  const dirs = { train: join(root, 'train'), convert: join(root, 'convert'), verify: join(root, 'verify') };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  const seed = options.seed ?? 1;
  const contract = buildSignatureContract({
    modelName: name,
    inputShape: [28, 28, 1],
    labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    trainBatchSize: options.trainBatchSize ?? 8,
    baseOutputLayer: 'base_3_flatten',
    head: [{ name: 'head_0_dense', inputUnits: 16, units: 10, activation: 'softmax' }],
    optimizer: { type: 'sgd', learningRate: 0.01 },
  });
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(join(dirs.train, 'contract.json'), json(contract));
  await writeFile(join(dirs.train, 'metrics.json'), json({ testAccuracy: 0.97, epochs: [{ loss: 0.3 }, { loss: 0.1 }], confusion: [[1, 0], [0, 1]] }));
  await writeFile(
    join(dirs.train, 'train-result.json'),
    json({ configHash: sha256Hex(`config-${seed}`), datasetHash: 'd'.repeat(64), nodeVersion: 'v20.0.0', tfjsNodeVersion: '4.22.0', tfjsTensorflowVersion: '2.9.1' }),
  );
  const model = fakeTflite(options.modelBytes ?? 2048, seed);
  if (options.corruptFlatbuffer) model.writeUInt32LE(model.length + 64, 0);
  await writeFile(join(dirs.convert, 'model.tflite'), model);
  await writeFile(join(dirs.convert, 'model-inference.tflite'), fakeTflite(1024, seed + 1000));
  await writeFile(join(dirs.convert, 'op-report.json'), json({ ops: [{ name: 'FULLY_CONNECTED', builtin: true }, { name: 'SOFTMAX', builtin: true }] }));
  await writeFile(join(dirs.convert, 'convert-result.json'), json({ pythonVersion: '3.11.9', converterTensorflowVersion: '2.19.0' }));
  const passed = options.verifyPassed ?? true;
  await writeFile(join(dirs.verify, 'verify-report.json'), json({ passed, checks: [{ name: 'signatures', passed: true }, { name: 'parity', passed }] }));
  return dirs;
}

/** A folder registry written only by the real registry code, and read back only through fetchVerifiedVersion. */
export interface TestRegistry {
  dir: string;
  key: SigningKey;
  publicPem: string;
  trustedKeys: KeyObject[];
  /** Stages, drafts (`writeDraftStage`) and publishes (`publishToRegistry`) `name@version`, then fetches it verified. */
  publish(name: string, version: string, options?: StageOptions): Promise<VerifiedVersion>;
  /** `fetchVerifiedVersion` over the folder with this registry's key: what a publisher gets. */
  fetch(name: string, selector: string | VersionSelector): Promise<VerifiedVersion>;
}

/** A registry under `root`/registry signed with a fresh key; stages and drafts go beside it. */
export function createTestRegistry(root: string): TestRegistry {
  const { key, publicPem } = testSigningKey();
  const dir = join(root, 'registry');
  const registry: TestRegistry = {
    dir,
    key,
    publicPem,
    trustedKeys: [key.publicKey],
    async publish(name, version, options = {}) {
      const work = join(root, 'work', `${name}-${version}`);
      const draftDir = join(work, 'draft');
      await writeDraftStage(await writeStages(join(work, 'stages'), name, options), draftDir, { workspaceRoot: work });
      const result = await publishToRegistry({ registry: dir, draftDir, signingKey: key, name, version });
      if (result.status !== 'published' || result.version !== version) throw new Error(`fixture: ${name}@${version} was not published (${JSON.stringify(result)})`);
      return registry.fetch(name, version);
    },
    async fetch(name, selector) {
      const source = await openRegistrySource(dir);
      return fetchVerifiedVersion({ source, name, selector: typeof selector === 'string' ? { version: selector } : selector, trustedKeys: [key.publicKey] });
    },
  };
  return registry;
}
