import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { checkToolchain, findNodeHeaders, findTensorflowWheel } from './tfjs-native.ts';
import { findJdk } from './java.ts';

const savedPath = process.env.PATH;
const savedNodedir = process.env.npm_config_nodedir;
afterEach(() => {
  process.env.PATH = savedPath;
  if (savedNodedir === undefined) delete process.env.npm_config_nodedir;
  else process.env.npm_config_nodedir = savedNodedir;
});

describe('environment checks give one actionable error', () => {
  it('names the missing compiler and how to install it', async () => {
    process.env.PATH = await mkdtemp(join(tmpdir(), 'odt-empty-path-'));
    const error = await checkToolchain().catch((e: unknown) => e);
    expect(isOdtError(error, 'TOOLCHAIN_MISSING')).toBe(true);
    expect((error as Error).message).toContain('g++, make, python3');
    expect((error as { suggestion: string }).suggestion).toContain('build-essential');
  });

  it('finds Node.js headers next to the running node, or says where it looked', async () => {
    expect(await findNodeHeaders()).toBeTruthy();
  });

  it('reports a venv without the TensorFlow wheel as a provisioning problem', async () => {
    const error = await findTensorflowWheel(await mkdtemp(join(tmpdir(), 'odt-venv-'))).catch((e: unknown) => e);
    expect(isOdtError(error, 'PROVISION_FAILED')).toBe(true);
    expect((error as { suggestion: string }).suggestion).toContain('provision:provision');
  });

  it('asks for a JDK newer than any installed one by name', async () => {
    const error = await findJdk(999).catch((e: unknown) => e);
    expect(isOdtError(error, 'TOOLCHAIN_MISSING')).toBe(true);
    expect((error as Error).message).toContain('JDK 999 or newer');
  });
});
