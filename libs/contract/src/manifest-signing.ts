import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import { ManifestSignatureSchema, type ManifestSignature } from './manifest.ts';

/** The one algorithm the pipeline and the Kotlin core both speak (Java: SHA256withECDSA). */
export const MANIFEST_SIGNATURE_ALGORITHM = 'ECDSA-P256-SHA256' as const;

/** Short id of a public key (sha256 of its SPKI DER, 16 hex): picks the right key on rotation. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** Refuses anything but a P-256 key, so a signature is always verifiable on JVM and Android. */
export function assertP256(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`manifest keys must be ECDSA P-256 (prime256v1), got ${key.asymmetricKeyType ?? key.type}`);
  }
}

/** Signs the exact manifest bytes; the detached result is what manifest.sig holds. */
export function signManifestBytes(bytes: Uint8Array, privateKey: KeyObject, publicKey: KeyObject): ManifestSignature {
  assertP256(privateKey);
  const signature = sign('sha256', bytes, { key: privateKey, dsaEncoding: 'der' });
  return { algorithm: MANIFEST_SIGNATURE_ALGORITHM, keyId: keyIdOf(publicKey), signature: signature.toString('base64') };
}

export type SignatureCheck = { ok: true; keyId: string } | { ok: false; reason: string };

/**
 * Checks a detached signature against the trusted public keys (several during a rotation).
 * Returns a reason instead of throwing so each caller maps it to its own error type.
 */
export function verifyManifestBytes(bytes: Uint8Array, signatureJson: unknown, trusted: readonly KeyObject[]): SignatureCheck {
  const parsed = ManifestSignatureSchema.safeParse(signatureJson);
  if (!parsed.success) return { ok: false, reason: 'manifest.sig is not a valid signature document' };
  const key = trusted.find((candidate) => keyIdOf(candidate) === parsed.data.keyId);
  if (!key) {
    const known = trusted.map(keyIdOf).join(', ') || 'none';
    return { ok: false, reason: `signed with key ${parsed.data.keyId}, trusted keys: ${known}` };
  }
  const good = verify('sha256', bytes, { key, dsaEncoding: 'der' }, Buffer.from(parsed.data.signature, 'base64'));
  return good ? { ok: true, keyId: parsed.data.keyId } : { ok: false, reason: 'signature does not match the manifest bytes' };
}
