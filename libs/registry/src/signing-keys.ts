import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, OdtError, writeFileAtomic } from '@odt/cli-kit';
import { assertP256, keyIdOf } from '@odt/contract';
import { codeWorkspaceRoot } from './workspace-paths.ts';

/** A private key with its public half; the public key gives the keyId written into manifest.sig. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
  source: string;
}

export const DEV_KEY_FILE = 'model-signing-dev.pem';
export const DEV_PUBLIC_KEY_FILE = 'model-signing-dev.pub.pem';

function keyError(message: string, source: string, cause?: unknown): OdtError {
  return new OdtError('SIGNING_KEY_MISSING', message, { context: { source }, cause });
}

function readKeyFile(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw keyError(`cannot read the key file named by ${variable}`, path, cause);
  }
}

/** Parses a PKCS#8 PEM and insists on P-256 so the Kotlin core can verify what we sign. */
export function signingKeyFromPem(pem: string, source: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
    assertP256(privateKey);
  } catch (cause) {
    throw keyError(`the signing key from ${source} is not an ECDSA P-256 private key in PEM`, source, cause);
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey), source };
}

/** Splits a PEM bundle (several public keys during a rotation) into key objects. */
export function publicKeysFromPem(bundle: string, source: string): KeyObject[] {
  const blocks = bundle.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) throw keyError(`no PUBLIC KEY block found in ${source}`, source);
  return blocks.map((block) => {
    try {
      const key = createPublicKey({ key: block, format: 'pem' });
      assertP256(key);
      return key;
    } catch (cause) {
      throw keyError(`a public key in ${source} is not an ECDSA P-256 SPKI key`, source, cause);
    }
  });
}

/**
 * The key that signs a publish: MODEL_SIGNING_KEY (PEM), then MODEL_SIGNING_KEY_FILE, then the
 * development key under `.keys/` (created on first use, announced loudly) unless the caller
 * forbids it (MODEL_SIGNING_REQUIRE_KEY=1, for CI and releases).
 */
export async function loadSigningKey(env: NodeJS.ProcessEnv = process.env): Promise<SigningKey> {
  if (env.MODEL_SIGNING_KEY) return signingKeyFromPem(env.MODEL_SIGNING_KEY, 'MODEL_SIGNING_KEY');
  if (env.MODEL_SIGNING_KEY_FILE) {
    return signingKeyFromPem(readKeyFile(env.MODEL_SIGNING_KEY_FILE, 'MODEL_SIGNING_KEY_FILE'), env.MODEL_SIGNING_KEY_FILE);
  }
  if (env.MODEL_SIGNING_REQUIRE_KEY === '1') {
    throw keyError('no signing key: MODEL_SIGNING_REQUIRE_KEY=1 forbids the development key', 'environment');
  }
  return loadOrCreateDevKey(devKeyDir(env));
}

/**
 * Where the development key lives: MODEL_SIGNING_DEV_KEY_DIR, else `.keys/` of the workspace this
 * code is installed in. Never derived from the working directory, so running a command inside a
 * folder someone else prepared cannot make it trust their key.
 */
export function devKeyDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MODEL_SIGNING_DEV_KEY_DIR || join(codeWorkspaceRoot(), '.keys');
}

/** Creates the key file with mode 0600 from its first byte (no window in which others may read it). */
async function writePrivateFile(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(tmp, 'wx', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  await fsyncDir(join(path, '..'));
}

async function loadOrCreateDevKey(dir: string): Promise<SigningKey> {
  const keyPath = join(dir, DEV_KEY_FILE);
  if (existsSync(keyPath)) return signingKeyFromPem(readFileSync(keyPath, 'utf8'), keyPath);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writePrivateFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFileAtomic(join(dir, DEV_PUBLIC_KEY_FILE), publicKey.export({ type: 'spki', format: 'pem' }));
  const key = signingKeyFromPem(readFileSync(keyPath, 'utf8'), keyPath);
  process.stderr.write(
    [
      '',
      '!!! WARNING: created a DEVELOPMENT signing key for model manifests !!!',
      `!!!   private: ${keyPath} (git-ignored, keyId ${key.keyId})`,
      `!!!   public:  ${join(dir, DEV_PUBLIC_KEY_FILE)}`,
      '!!! Models signed with it are for local use only. CI and releases must set',
      '!!! MODEL_SIGNING_KEY or MODEL_SIGNING_KEY_FILE (libs/registry/README.md "Signing keys").',
      '',
    ].join('\n'),
  );
  return key;
}

/**
 * The keys a pull or validate trusts, only from explicit configuration: --public-key FILE, then
 * MODEL_SIGNING_PUBLIC_KEY (one or more PEM blocks), then MODEL_SIGNING_PUBLIC_KEY_FILE. Without
 * any, the development public key (see devKeyDir; never one found from the working directory),
 * and `notice` says so.
 */
export function loadTrustedKeys(
  env: NodeJS.ProcessEnv = process.env,
  options: { publicKeyFile?: string; notice?: (line: string) => void } = {},
): KeyObject[] {
  if (options.publicKeyFile) return publicKeysFromPem(readKeyFile(options.publicKeyFile, '--public-key'), options.publicKeyFile);
  if (env.MODEL_SIGNING_PUBLIC_KEY) return publicKeysFromPem(env.MODEL_SIGNING_PUBLIC_KEY, 'MODEL_SIGNING_PUBLIC_KEY');
  if (env.MODEL_SIGNING_PUBLIC_KEY_FILE) {
    const path = env.MODEL_SIGNING_PUBLIC_KEY_FILE;
    return publicKeysFromPem(readKeyFile(path, 'MODEL_SIGNING_PUBLIC_KEY_FILE'), path);
  }
  const devPublic = join(devKeyDir(env), DEV_PUBLIC_KEY_FILE);
  if (existsSync(devPublic)) {
    const keys = publicKeysFromPem(readFileSync(devPublic, 'utf8'), devPublic);
    options.notice?.(
      `trusting only this workspace's development key ${keys.map(keyIdOf).join(', ')} (${devPublic}); ` +
        'set MODEL_SIGNING_PUBLIC_KEY_FILE or --public-key to verify models signed elsewhere',
    );
    return keys;
  }
  throw keyError('no public key to verify manifests with', 'environment');
}
