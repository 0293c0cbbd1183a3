import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { signingEnvProblem } from './signing-env.ts';
import { MODEL_SIGNING_CLI, SIGNING_VENV_DIR, WORKSPACE_ROOT } from './workspace-paths.ts';

// Runs after `provision:provision` (the test target depends on it), like the registry's
// model-signing-reference test that needs this env.
describe('model_signing reference env (python-bridge/.venv-signing)', () => {
  it('is provisioned from the current python-bridge/signing/requirements.lock', async () => {
    expect(await signingEnvProblem()).toBeNull();
  });

  it('runs the pinned model_signing 1.1.1 with its undeclared pyOpenSSL import', async () => {
    const version = await execa(join(SIGNING_VENV_DIR, 'bin', 'python'), ['-c', 'import importlib.metadata as m, OpenSSL; print(m.version("model-signing"))']);
    expect(version.stdout.trim()).toBe('1.1.1');
    expect((await execa(MODEL_SIGNING_CLI, ['verify', 'key', '--help'])).stdout).toContain('--public_key');
  });

  it('is ignored by git, so neither commits nor Nx input hashes see it', async () => {
    const check = await execa('git', ['check-ignore', '-q', join(SIGNING_VENV_DIR, 'bin', 'python')], { cwd: WORKSPACE_ROOT, reject: false });
    expect(check.exitCode).toBe(0);
  });
});
