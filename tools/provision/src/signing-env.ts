import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findPython, pythonVersionAccepted, requiredPythonVersion, runProvisionStep, venvPythonVersion } from './python-env.ts';
import { stampMatches, writeStamp } from './stamp.ts';
import { MODEL_SIGNING_CLI, SIGNING_LOCK_FILE, SIGNING_VENV_DIR, SIGNING_VENV_PYTHON } from './workspace-paths.ts';

const STAMP = join(SIGNING_VENV_DIR, '.provisioned.json');

export interface SigningEnv {
  cli: string;
  version: string;
  skipped: boolean;
}

async function lockSha256(): Promise<string> {
  return createHash('sha256').update(await readFile(SIGNING_LOCK_FILE)).digest('hex');
}


/**
 * Why the signing env cannot be used as provisioned now (missing, half-installed, or built from
 * another lock), or null when it is ready. Tests that run the reference verifier fail with it.
 */
export async function signingEnvProblem(): Promise<string | null> {
  if (!existsSync(MODEL_SIGNING_CLI)) return `${MODEL_SIGNING_CLI} does not exist`;
  if (!(await stampMatches(STAMP, { lockSha256: await lockSha256() }))) return `${SIGNING_VENV_DIR} was not provisioned from the current ${SIGNING_LOCK_FILE}`;
  return null;
}

/**
 * Creates python-bridge/.venv-signing from the hash-locked python-bridge/signing/requirements.lock
 * (pip --require-hashes) and reuses it while the lock and the interpreter line are unchanged.
 * The CLI is started once before the stamp is written, so an env whose imports fail (model-signing
 * 1.1.1 does not declare pyOpenSSL) is never trusted; an interrupted install is redone.
 */
export async function ensureSigningEnv(log: (line: string) => void): Promise<SigningEnv> {
  const required = await requiredPythonVersion();
  const wanted = { lockSha256: await lockSha256() };
  const existing = await venvPythonVersion(SIGNING_VENV_DIR);
  if (existing && pythonVersionAccepted(existing, required) && existsSync(MODEL_SIGNING_CLI) && (await stampMatches(STAMP, wanted))) {
    return { cli: MODEL_SIGNING_CLI, version: existing, skipped: true };
  }
  const { python, version } = await findPython(required);
  log(`signing-env: creating python-bridge/.venv-signing with Python ${version} from signing/requirements.lock (hash-checked)`);
  await rm(SIGNING_VENV_DIR, { recursive: true, force: true });
  await runProvisionStep(python, ['-m', 'venv', SIGNING_VENV_DIR], 'create the signing virtual environment', 120_000, 'python-bridge/signing/requirements.lock');
  // Keeps the venv out of git and out of Nx input hashing whatever the root .gitignore says
  // (what Python 3.13's venv module writes by itself).
  await writeFile(join(SIGNING_VENV_DIR, '.gitignore'), '# Created by tools/provision\n*\n');
  await runProvisionStep(
    SIGNING_VENV_PYTHON,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--require-hashes', '-r', SIGNING_LOCK_FILE],
    'install the locked model-signing requirements',
    10 * 60_000,
    'python-bridge/signing/requirements.lock',
  );
  await runProvisionStep(MODEL_SIGNING_CLI, ['verify', 'key', '--help'], 'start the model_signing CLI', 120_000);
  await writeStamp(STAMP, { ...wanted, pythonVersion: version });
  return { cli: MODEL_SIGNING_CLI, version, skipped: false };
}
