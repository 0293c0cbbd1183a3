import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { assertP256 } from './manifest-signing.ts';
import { dssePae, IN_TOTO_PAYLOAD_TYPE, modelSigningKeyHint, pythonJsonText, SIGSTORE_BUNDLE_MEDIA_TYPE } from './model-signing-format.ts';
import { buildModelSigningStatement, type ModelFileDigest, type ModelSigningStatementOptions } from './model-signing-statement.ts';

// OpenSSF Model Signing for registry version folders: model.sig is a bundle that the reference
// CLI (`model_signing verify key`) accepts as is, made and checked with node:crypto only.
export {
  compareModelPaths,
  dssePae,
  IN_TOTO_PAYLOAD_TYPE,
  IN_TOTO_STATEMENT_TYPE,
  MODEL_SIGNATURE_FILE_NAME,
  MODEL_SIGNING_GIT_PATHS,
  MODEL_SIGNING_IGNORE_PATHS,
  MODEL_SIGNING_PREDICATE_TYPE,
  modelSigningKeyHint,
  SIGSTORE_BUNDLE_MEDIA_TYPE,
} from './model-signing-format.ts';
export {
  buildModelSigningStatement,
  type ModelFileDigest,
  type ModelSigningStatement,
  type ModelSigningStatementOptions,
} from './model-signing-statement.ts';
export {
  MODEL_SIGNATURE_REFUSAL_KINDS,
  verifyModelSignature,
  type ModelFileMismatch,
  type ModelSignatureCheck,
  type ModelSignatureRefusalKind,
} from './model-signing-verify.ts';

/** The key pair that signs; the public half gives the bundle's key hint. */
export interface ModelSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

function sameKey(a: KeyObject, b: KeyObject): boolean {
  return a.export({ type: 'spki', format: 'der' }).equals(b.export({ type: 'spki', format: 'der' }));
}

/**
 * Signs a model folder's files (every file but model.sig) and returns the bytes to write as
 * model.sig: compact JSON of a Sigstore bundle v0.3 with a DSSE envelope over the statement
 * (ECDSA P-256, DER signature over the PAE), laid out exactly as model_signing 1.1.1 writes it.
 */
export function signModelFiles(files: readonly ModelFileDigest[], signingKey: ModelSigningKey, options: ModelSigningStatementOptions): Buffer {
  assertP256(signingKey.privateKey);
  if (!sameKey(createPublicKey(signingKey.privateKey), signingKey.publicKey)) throw new Error('the public key is not the private key\'s public half');
  const payload = Buffer.from(pythonJsonText(buildModelSigningStatement(files, options)), 'utf8');
  const signature = sign('sha256', dssePae(IN_TOTO_PAYLOAD_TYPE, payload), { key: signingKey.privateKey, dsaEncoding: 'der' });
  const bundle = {
    mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: modelSigningKeyHint(signingKey.publicKey) }, tlogEntries: [] },
    dsseEnvelope: {
      payload: payload.toString('base64'),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: signature.toString('base64'), keyid: '' }],
    },
  };
  return Buffer.from(JSON.stringify(bundle), 'utf8');
}
