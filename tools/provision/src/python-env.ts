import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { OdtError } from '@odt/cli-kit';
import { LOCK_FILE, PYTHON_VERSION_FILE, VENV_DIR, VENV_PYTHON } from './workspace-paths.ts';
import { stampMatches, writeStamp } from './stamp.ts';

const STAMP = join(VENV_DIR, '.provisioned.json');

export interface PythonEnv {
  python: string;
  version: string;
  skipped: boolean;
}

/** Reads the exact interpreter line the bridge is pinned to (python-bridge/.python-version). */
export async function requiredPythonVersion(): Promise<string> {
  return (await readFile(PYTHON_VERSION_FILE, 'utf8')).trim();
}

/** True when `actual` (e.g. 3.11.7) is the pinned line `required` (e.g. 3.11) or equal to it. */
export function pythonVersionAccepted(actual: string, required: string): boolean {
  return actual === required || actual.startsWith(`${required}.`);
}

/**
 * Finds an interpreter of the pinned version: `python<major.minor>` first, then `python3`.
 * A wrong or missing interpreter is one actionable error, not a pip traceback later.
 */
export async function findPython(required: string, candidates = [`python${required}`, 'python3']): Promise<{ python: string; version: string }> {
  const seen: string[] = [];
  for (const candidate of candidates) {
    const result = await execa(candidate, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { reject: false, timeout: 20_000 });
    if (result.exitCode !== 0 || result.failed) continue;
    const version = result.stdout.trim();
    if (pythonVersionAccepted(version, required)) return { python: candidate, version };
    seen.push(`${candidate} is ${version}`);
  }
  throw new OdtError('PYTHON_VERSION', `Python ${required} is required by python-bridge/.python-version but was not found`, {
    context: { found: seen.length > 0 ? seen.join('; ') : 'no python3 on PATH' },
    suggestion: `Install Python ${required} (e.g. pyenv install ${required}, or apt-get install python${required} python${required}-venv) and make python${required} available on PATH.`,
  });
}

/**
 * Creates python-bridge/.venv from the hash-locked requirements and reuses it while the lock
 * and the interpreter are unchanged. The stamp is written last, so an interrupted install is
 * redone from scratch rather than trusted.
 */
export async function ensurePythonEnv(log: (line: string) => void): Promise<PythonEnv> {
  const required = await requiredPythonVersion();
  const lockSha256 = createHash('sha256').update(await readFile(LOCK_FILE)).digest('hex');
  // An existing venv of the pinned line is reused whichever 3.11.x made it, so two shells whose
  // PATH finds different patch releases do not rebuild it back and forth.
  const existing = await venvPythonVersion();
  if (existing && pythonVersionAccepted(existing, required) && (await stampMatches(STAMP, { lockSha256 }))) {
    return { python: VENV_PYTHON, version: existing, skipped: true };
  }
  const { python, version } = await findPython(required);
  log(`python-env: creating python-bridge/.venv with Python ${version} from requirements.lock (hash-checked)`);
  await rm(VENV_DIR, { recursive: true, force: true });
  await runProvisionStep(python, ['-m', 'venv', VENV_DIR], 'create the virtual environment', 120_000);
  await runProvisionStep(
    VENV_PYTHON,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--require-hashes', '-r', LOCK_FILE],
    'install the locked Python requirements',
    30 * 60_000,
  );
  await writeStamp(STAMP, { lockSha256, pythonVersion: version });
  return { python: VENV_PYTHON, version, skipped: false };
}

/** A venv interpreter's version, read from pyvenv.cfg (no process start), or null. */
export async function venvPythonVersion(venvDir: string = VENV_DIR): Promise<string | null> {
  const cfg = await readFile(join(venvDir, 'pyvenv.cfg'), 'utf8').catch(() => '');
  return /^version(?:_info)?\s*=\s*(\d+\.\d+\.\d+)/m.exec(cfg)?.[1] ?? null;
}

/**
 * Runs one provisioning step (venv, pip) and turns a failure into PROVISION_FAILED with the tail
 * of its output and a fix: a wheel missing for this platform points at the lock to regenerate.
 */
export async function runProvisionStep(file: string, args: string[], what: string, timeout: number, lock = 'python-bridge/requirements.lock'): Promise<void> {
  const result = await execa(file, args, { reject: false, timeout, stdin: 'ignore', env: { PIP_NO_INPUT: '1' } });
  if (result.exitCode === 0) return;
  const tail = String(result.stderr || result.stdout || result.message || '').split('\n').slice(-15).join('\n');
  throw new OdtError('PROVISION_FAILED', `could not ${what}`, {
    context: { command: [file, ...args].join(' '), output: tail },
    suggestion: tail.includes('No matching distribution') || tail.includes('hashes')
      ? `A locked wheel is not available for this platform/Python; use Linux x86_64 with the pinned Python, or regenerate ${lock} (see requirements.in beside it).`
      : 'Check network access to the Python package index and free disk space, then run `npx nx run provision:provision` again.',
  });
}
