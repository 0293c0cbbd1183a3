import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { writeJsonAtomic } from '@odt/cli-kit';
import { readIndex } from '@odt/registry';
import { join } from 'node:path';
import { buildSignatureContract, canonicalHash, type Manifest } from '@odt/contract';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A tiny buffer with the TFLite file identifier at offset 4, like a real flatbuffer header. */
export function fakeTflite(size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 7) & 0xff;
  bytes.writeUInt32LE(28, 0);
  bytes.write('TFL3', 4, 'latin1');
  return bytes;
}

const SIGNING_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/**
 * Writes `<registry>/<name>/<version>/` the way the local registry does: files, a manifest that
 * passes ManifestSchema with their sha256 and sizes, and an ECDSA P-256 signature over the
 * manifest's exact bytes. Returns the manifest.
 */
export async function writeRegistryVersion(
  registry: string,
  name: string,
  version: string,
  options: { modelBytes?: Buffer; passed?: boolean } = {},
): Promise<Manifest> {
  const dir = join(registry, name, version);
  await mkdir(dir, { recursive: true });
  const model = options.modelBytes ?? fakeTflite(2048, Number(version.replaceAll('.', '')));
  const contract = buildSignatureContract({
    modelName: name,
    inputShape: [28, 28, 1],
    labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    trainBatchSize: 8,
    baseOutputLayer: 'base_3_flatten',
    head: [{ name: 'head_0_dense', inputUnits: 16, units: 10, activation: 'linear' }],
    optimizer: { type: 'sgd', learningRate: 0.01 },
  });
  const contractBytes = Buffer.from(`${JSON.stringify(contract)}\n`);
  const metrics = Buffer.from('{"accuracy":0.97}\n');
  await writeFile(join(dir, 'model.tflite'), model);
  await writeFile(join(dir, 'contract.json'), contractBytes);
  await writeFile(join(dir, 'metrics.json'), metrics);
  const manifest: Manifest = {
    schemaVersion: 1,
    name,
    version,
    createdAt: '2026-01-01T00:00:00.000Z',
    parentVersion: null,
    contractHash: canonicalHash(contract),
    contentHash: sha256(model),
    files: [
      { path: 'model.tflite', role: 'trainable-model', sha256: sha256(model), size: model.length },
      { path: 'contract.json', role: 'contract', sha256: sha256(contractBytes), size: contractBytes.length },
      { path: 'metrics.json', role: 'metrics', sha256: sha256(metrics), size: metrics.length },
    ],
    contract,
    labels: contract.labels,
    metrics: { accuracy: 0.97 },
    opReport: { builtinOps: 12, flexOps: 0, ops: ['FULLY_CONNECTED'] },
    verification: { passed: options.passed ?? true, checks: ['signatures'] },
    lineage: {
      gitCommit: null,
      gitDirty: null,
      configHash: 'c'.repeat(64),
      datasetHash: 'd'.repeat(64),
      nodeVersion: 'v20',
      tfjsNodeVersion: '4.22.0',
      tfjsTensorflowVersion: '2.9.1',
      pythonVersion: '3.11',
      converterTensorflowVersion: '2.21.0',
    },
  };
  const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(dir, 'manifest.json'), manifestBytes);
  const spki = SIGNING_KEY.publicKey.export({ type: 'spki', format: 'der' });
  const signature = sign('sha256', manifestBytes, SIGNING_KEY.privateKey).toString('base64');
  await writeFile(join(dir, 'manifest.sig'), `${JSON.stringify({ algorithm: 'ECDSA-P256-SHA256', keyId: sha256(spki).slice(0, 16), signature })}\n`);
  await recordInIndex(registry, name, manifest, sha256(manifestBytes));
  return manifest;
}

/** Lists the version in index.json and points `latest` at it, as a registry publish does. */
async function recordInIndex(registry: string, name: string, manifest: Manifest, manifestSha256: string): Promise<void> {
  const index = await readIndex(registry);
  const empty = { version: null, previous: [] as string[] };
  const model = index.models[name] ?? { versions: [], channels: { latest: empty, stable: { ...empty }, canary: { ...empty } }, history: [] };
  model.versions.push({ version: manifest.version, createdAt: manifest.createdAt, contractHash: manifest.contractHash, contentHash: manifest.contentHash, manifestSha256 });
  const latest = model.channels.latest;
  model.channels.latest = { version: manifest.version, previous: latest.version ? [...latest.previous, latest.version] : latest.previous };
  index.models[name] = model;
  index.updatedAt = new Date().toISOString();
  await writeJsonAtomic(join(registry, 'index.json'), index);
}
