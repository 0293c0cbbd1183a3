import { describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { callBridge } from './call-bridge.ts';

describe('callBridge (real pinned Python bridge)', () => {
  it('returns the pinned toolchain versions from `env`', async () => {
    const env = await callBridge<{ ok: true; python: string; tensorflow: string }>('env', null, { timeoutMs: 120_000 });
    expect(env.python).toMatch(/^3\.11\./);
    expect(env.tensorflow).toMatch(/^2\.\d+\.\d+$/);
  }, 120_000);

  it('maps a bridge error to the OdtError of the same code and exit status', async () => {
    const error = await callBridge('convert', { tfjsModelDir: '/nonexistent/model', contractPath: '/nonexistent/contract.json', heldoutDir: '/nonexistent', outDir: '/nonexistent/out' }, { timeoutMs: 120_000 }).catch((e: unknown) => e);
    expect(isOdtError(error, 'ARTIFACTS_INVALID')).toBe(true);
    expect((error as { exitCode: number }).exitCode).toBe(31);
  }, 120_000);

  it("keeps TensorFlow's start-up lines out of the stage output unless debug (ODT_DEBUG=1)", async () => {
    const quiet: string[] = [];
    await callBridge('env', null, { timeoutMs: 120_000, debug: false, onLog: (line) => quiet.push(line) });
    expect(quiet).toEqual([]);
    const loud: string[] = [];
    await callBridge('env', null, { timeoutMs: 120_000, debug: true, onLog: (line) => loud.push(line) });
    expect(loud.some((line) => line.includes('oneDNN custom operations are on'))).toBe(true);
  }, 240_000);

  it('reports a missing interpreter as a provisioning problem', async () => {
    const error = await callBridge('env', null, { python: 'no-such-python-binary' }).catch((e: unknown) => e);
    expect(isOdtError(error, 'PROVISION_FAILED')).toBe(true);
  });
});
