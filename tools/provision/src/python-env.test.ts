import { describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { findPython, pythonVersionAccepted } from './python-env.ts';

describe('pinned Python interpreter', () => {
  it('accepts only the pinned minor line', () => {
    expect(pythonVersionAccepted('3.11.7', '3.11')).toBe(true);
    expect(pythonVersionAccepted('3.12.1', '3.11')).toBe(false);
    expect(pythonVersionAccepted('3.1.1', '3.11')).toBe(false);
  });

  it('names the version to install when no interpreter matches', async () => {
    const error = await findPython('3.99', ['python3', 'no-such-python-binary']).catch((e: unknown) => e);
    expect(isOdtError(error, 'PYTHON_VERSION')).toBe(true);
    expect((error as Error).message).toContain('Python 3.99 is required');
    expect((error as { context: { found: string } }).context.found).toMatch(/python3 is 3\.\d+\.\d+/);
  });
});
