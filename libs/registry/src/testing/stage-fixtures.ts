import { isOdtError } from '@odt/cli-kit';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSignatureContract } from '@odt/contract';
import { writeDraftStage, type StageDirs } from '../draft-manifest.ts';
import { signingKeyFromPem, type SigningKey } from '../signing-keys.ts';

/** A fresh temp folder per test; callers remove it in afterEach/afterAll. */
export function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `odt-registry-${label}-`));
}

/** A P-256 key pair made in memory, as a signing key plus its public PEM. */
export function testKey(): { key: SigningKey; publicPem: string; privatePem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { key: signingKeyFromPem(privatePem, 'test'), publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string, privatePem };
}

export interface FixtureOptions {
  /** Changes the model bytes (the registry treats .tflite files as opaque). */
  weightsSeed?: number;
  /**
   * Changes the recorded inputs (config hash); defaults to weightsSeed, since other weights come
   * from another config in real life. Give the same value with another weightsSeed to play a
   * retrain of identical inputs on another CPU (same inputs, other bytes).
   */
  inputsSeed?: number;
  /** Changes the signature contract (the on-device train batch size). */
  trainBatchSize?: number;
  verifyPassed?: boolean | 'missing';
  flex?: boolean;
}

function fakeTflite(seed: number, size: number): Buffer {
  const bytes = Buffer.alloc(size);
  bytes.write('TFL3', 4, 'latin1');
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 8; i < size; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/** Writes out/model/{train,convert,verify}-like folders with tiny but well-formed contents. */
export async function writeStageFixture(root: string, options: FixtureOptions = {}): Promise<StageDirs> {
  const dirs = { train: join(root, 'train'), convert: join(root, 'convert'), verify: join(root, 'verify') };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  const seed = options.weightsSeed ?? 1;
  const contract = buildSignatureContract({
    modelName: 'digits',
    inputShape: [28, 28, 1],
    labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    trainBatchSize: options.trainBatchSize ?? 32,
    baseOutputLayer: 'base_4_dense',
    head: [{ name: 'head_0_dense', inputUnits: 16, units: 10, activation: 'softmax' }],
    optimizer: { type: 'adam', learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  });
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(join(dirs.train, 'contract.json'), json(contract));
  await writeFile(join(dirs.train, 'metrics.json'), json({ testAccuracy: 0.98, epochs: [{ loss: 0.3 }, { loss: 0.1 }], confusion: [[1, 0], [0, 1]] }));
  await writeFile(
    join(dirs.train, 'train-result.json'),
    json({ configHash: createHash('sha256').update(`config-${options.inputsSeed ?? seed}`).digest('hex'), datasetHash: 'd'.repeat(64), nodeVersion: 'v20.0.0', tfjsNodeVersion: '4.22.0', tfjsTensorflowVersion: '2.9.1', timings: { seed } }),
  );
  await writeFile(join(dirs.convert, 'model.tflite'), fakeTflite(seed, 2048));
  await writeFile(join(dirs.convert, 'model-inference.tflite'), fakeTflite(seed + 1_000_000, 1024));
  if (options.flex) await writeFile(join(dirs.convert, 'model-flex.tflite'), fakeTflite(seed + 2_000_000, 1024));
  await writeFile(
    join(dirs.convert, 'op-report.json'),
    json({ ops: [{ name: 'FULLY_CONNECTED', builtin: true }, { name: 'SOFTMAX', builtin: true }, { name: 'MUL', builtin: true }] }),
  );
  await writeFile(join(dirs.convert, 'convert-result.json'), json({ pythonVersion: '3.11.9', converterTensorflowVersion: '2.19.0', timings: {} }));
  if (options.verifyPassed !== 'missing') {
    const passed = options.verifyPassed ?? true;
    await writeFile(
      join(dirs.verify, 'verify-report.json'),
      json({ passed, checks: [{ name: 'signatures', passed: true, detail: '' }, { name: 'parity', passed, detail: '' }] }),
    );
  }
  return dirs;
}

/** Stage fixture + `model:version` output in one call; returns the draft folder. */
export async function makeDraft(root: string, label: string, options: FixtureOptions = {}): Promise<string> {
  const dirs = await writeStageFixture(join(root, `stages-${label}`), options);
  const out = join(root, `draft-${label}`);
  await writeDraftStage(dirs, out, { workspaceRoot: root });
  return out;
}

/** The OdtError code a promise rejects with (undefined when it resolves); keeps tests one line each. */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isOdtError(error) ? error.code : `non-odt: ${String(error)}`;
  }
  return undefined;
}
