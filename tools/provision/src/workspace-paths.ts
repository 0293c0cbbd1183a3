import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

/** The workspace root, found from this file so provisioning works from any working directory. */
export const WORKSPACE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where the pinned Python bridge lives and where its project-local venv is created. */
export const BRIDGE_DIR = join(WORKSPACE_ROOT, 'python-bridge');
export const VENV_DIR = join(BRIDGE_DIR, '.venv');
export const LOCK_FILE = join(BRIDGE_DIR, 'requirements.lock');
export const PYTHON_VERSION_FILE = join(BRIDGE_DIR, '.python-version');

/** Interpreter inside the venv; every Python step runs through it, never a system python. */
export const VENV_PYTHON = join(VENV_DIR, 'bin', 'python');

/**
 * The reference verifier for model.sig (OpenSSF `model_signing` CLI) in a venv of its own, so a
 * change to its lock never rebuilds the TensorFlow env (and the reverse).
 */
export const SIGNING_LOCK_FILE = join(BRIDGE_DIR, 'signing', 'requirements.lock');
export const SIGNING_VENV_DIR = join(BRIDGE_DIR, '.venv-signing');
export const SIGNING_VENV_PYTHON = join(SIGNING_VENV_DIR, 'bin', 'python');
export const MODEL_SIGNING_CLI = join(SIGNING_VENV_DIR, 'bin', 'model_signing');

/** The installed @tensorflow/tfjs-node package folder (its deps/ and lib/ are provisioned). */
export function tfjsNodeDir(): string {
  const require = createRequire(join(WORKSPACE_ROOT, 'package.json'));
  return dirname(require.resolve('@tensorflow/tfjs-node/package.json'));
}
