import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { contentHashOf } from './manifest-hashes.ts';
import { keyIdOf, signManifestBytes, verifyManifestBytes } from './manifest-signing.ts';
import { RegistryIndexSchema } from './registry-index.ts';

const pair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

describe('manifest signatures', () => {
  it('keyId is the first 16 hex chars of sha256 over the SPKI DER', () => {
    const { publicKey } = pair();
    const der = publicKey.export({ type: 'spki', format: 'der' });
    expect(keyIdOf(publicKey)).toBe(createHash('sha256').update(der).digest('hex').slice(0, 16));
  });

  it('verifies the exact bytes with the right key only', () => {
    const signer = pair();
    const other = pair();
    const bytes = Buffer.from('{"name":"digits"}\n');
    const sig = signManifestBytes(bytes, signer.privateKey, signer.publicKey);
    expect(Buffer.from(sig.signature, 'base64')[0]).toBe(0x30); // DER SEQUENCE, as Java expects
    expect(verifyManifestBytes(bytes, sig, [other.publicKey, signer.publicKey])).toEqual({ ok: true, keyId: keyIdOf(signer.publicKey) });
    const flipped = Buffer.from(bytes);
    flipped[3]! ^= 1;
    expect(verifyManifestBytes(flipped, sig, [signer.publicKey])).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) });
    expect(verifyManifestBytes(bytes, sig, [other.publicKey])).toMatchObject({ ok: false, reason: expect.stringContaining(sig.keyId) });
    expect(verifyManifestBytes(bytes, { algorithm: 'RSA' }, [signer.publicKey]).ok).toBe(false);
  });

  it('refuses to sign with a key that is not P-256', () => {
    const rsa = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    expect(() => signManifestBytes(Buffer.from('x'), rsa.privateKey, rsa.publicKey)).toThrow(/P-256/);
  });
});

describe('contentHashOf', () => {
  const file = (path: string, role: string, sha: string) => ({ path, role, sha256: sha.repeat(64) }) as never;
  it('depends on model files only, not on their order', () => {
    const a = contentHashOf([file('model.tflite', 'trainable-model', 'a'), file('model-inference.tflite', 'inference-model', 'b'), file('metrics.json', 'metrics', 'c')]);
    const b = contentHashOf([file('model-inference.tflite', 'inference-model', 'b'), file('metrics.json', 'metrics', 'd'), file('model.tflite', 'trainable-model', 'a')]);
    const c = contentHashOf([file('model.tflite', 'trainable-model', 'e'), file('model-inference.tflite', 'inference-model', 'b')]);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });
});

describe('RegistryIndexSchema', () => {
  it('rejects model names that are not safe folder names', () => {
    const channel = { version: null, previous: [] };
    const model = { versions: [], channels: { latest: channel, stable: channel, canary: channel }, history: [] };
    const index = (name: string) => ({ schemaVersion: 1, updatedAt: '2025-01-01T00:00:00Z', models: { [name]: model } });
    expect(RegistryIndexSchema.safeParse(index('digits')).success).toBe(true);
    expect(RegistryIndexSchema.safeParse(index('../etc')).success).toBe(false);
  });
});
