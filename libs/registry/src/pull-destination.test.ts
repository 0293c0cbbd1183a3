import { spawnSync } from 'node:child_process';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '@odt/cli-kit';
import { canMountTmpfs, mountTmpfs } from '@odt/cli-kit/testing';
import { publishToRegistry } from './publish.ts';
import { PULL_MARKER_FILE } from './pull-destination.ts';
import { CLI_MAIN, spawnTs } from './testing/child-process.ts';
import { makeDraft, tempDir, testKey } from './testing/stage-fixtures.ts';
import { validateRegistry } from './validate-registry.ts';

const { key, publicPem } = testKey();
const ENV = { MODEL_SIGNING_PUBLIC_KEY: publicPem, MODEL_SIGNING_KEY: '', MODEL_REGISTRY: '' };
let root: string;
let registry: string;

async function pullCli(dest: string, extra: string[] = []) {
  const child = spawnTs(CLI_MAIN, ['pull', '--name', 'digits', '--range', '^1.0.0', '--from', registry, '--dest', dest, ...extra], ENV);
  child.process.stdin!.end();
  const exit = await child.exited;
  return { code: exit.code, stdout: child.stdout(), stderr: child.stderr() };
}

async function listTree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

beforeAll(async () => {
  root = await tempDir('pull-dest');
  registry = join(root, 'registry');
  await publishToRegistry({ registry, draftDir: await makeDraft(root, 'a'), signingKey: key });
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Every refusal: exit 19, the reason, no stack trace, and the registry still whole afterwards. */
async function expectRefused(dest: string, reason: RegExp, extra: string[] = []): Promise<void> {
  const before = await listTree(registry);
  const result = await pullCli(dest, extra);
  expect(result.code, result.stderr).toBe(EXIT_CODES.DESTINATION_IN_USE.exit);
  expect(result.stderr).toMatch(reason);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(await listTree(registry)).toEqual(before);
  expect((await validateRegistry(registry, { trustedKeys: [key.publicKey] })).ok).toBe(true);
}

describe('pull --dest never destroys what it did not write', () => {
  it('refuses the registry folder itself, even with --force', async () => {
    await expectRefused(registry, /overlaps the registry it pulls from/);
    await expectRefused(registry, /overlaps the registry it pulls from/, ['--force']);
  });

  it('refuses a folder inside a published version, even with --force', async () => {
    await expectRefused(join(registry, 'digits', '1.0.0'), /overlaps the registry/, ['--force']);
    await expectRefused(join(registry, 'digits', '1.0.0', 'sub'), /overlaps the registry/);
  });

  it('refuses a folder that contains the registry', async () => {
    await expectRefused(root, /overlaps the registry/, ['--force']);
  });

  it('refuses any other registry it would write into, served or not', async () => {
    const other = join(root, 'other-registry');
    await publishToRegistry({ registry: other, draftDir: await makeDraft(root, 'b'), signingKey: key });
    await expectRefused(join(other, 'digits'), /inside a model registry/, ['--force']);
    expect((await validateRegistry(other, { trustedKeys: [key.publicKey] })).ok).toBe(true);
  });

  it('leaves a non-empty foreign folder alone, and replaces it only with --force', async () => {
    const dest = join(root, 'photos');
    await mkdir(dest);
    await writeFile(join(dest, 'holiday.jpg'), 'precious');
    await expectRefused(dest, /already holds 1 entry not written by a pull/);
    expect(await readFile(join(dest, 'holiday.jpg'), 'utf8')).toBe('precious');
    const forced = await pullCli(dest, ['--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await stat(join(dest, 'model.tflite'))).toBeTruthy();
  });

  it('does not turn an existing file into a folder unless --force', async () => {
    const dest = join(root, 'notes.txt');
    await writeFile(dest, 'keep me');
    await expectRefused(dest, /is an existing file/);
    expect(await readFile(dest, 'utf8')).toBe('keep me');
    expect((await pullCli(dest, ['--force'])).code).toBe(0);
    expect((await stat(dest)).isDirectory()).toBe(true);
  });

  it('writes an absent or empty folder, marks it, and updates its own earlier pull', async () => {
    const dest = join(root, 'models', 'digits');
    expect((await pullCli(dest)).code).toBe(0);
    const marker = JSON.parse(await readFile(join(dest, PULL_MARKER_FILE), 'utf8'));
    expect(marker).toMatchObject({ kind: 'odt-pull', model: 'digits', version: '1.0.0' });
    const again = await pullCli(dest);
    expect(again.code, again.stderr).toBe(0);
    const empty = join(root, 'empty');
    await mkdir(empty);
    expect((await pullCli(empty)).code).toBe(0);
  });

  it('refuses an earlier pull of another model', async () => {
    const dest = join(root, 'letters');
    await mkdir(dest);
    await writeFile(join(dest, PULL_MARKER_FILE), JSON.stringify({ kind: 'odt-pull', model: 'letters', version: '1.0.0' }));
    await expectRefused(dest, /already holds an earlier pull of letters/);
  });
});

// A real filesystem that says no: a tmpfs, read-only or nearly full. Needs root and mount.
const canMount = canMountTmpfs();

describe.skipIf(!canMount)('pull --dest on a disk that refuses writes', () => {
  it('a read-only or full disk is a user error (exit 18) that names the size, and leaves no staging folder', async () => {
    const ro = join(root, 'ro-mount');
    const full = join(root, 'full-mount');
    await mkdir(ro);
    await mkdir(full);
    if (!mountTmpfs(ro, 'size=1m,ro') || !mountTmpfs(full, 'size=16k')) return void console.warn('tmpfs mount refused; skipped');
    try {
      const readOnly = await pullCli(join(ro, 'model'));
      expect(readOnly.code, readOnly.stderr).toBe(EXIT_CODES.DESTINATION_NOT_WRITABLE.exit);
      expect(readOnly.stderr).toMatch(/cannot write --dest \(EROFS\)/);
      const noRoom = await pullCli(join(full, 'model'));
      expect(noRoom.code, noRoom.stderr).toBe(EXIT_CODES.DESTINATION_NOT_WRITABLE.exit);
      expect(noRoom.stderr).toMatch(/the disk of --dest is full: the model needs [\d.]+ MiB \(\d+ bytes\)/);
      expect(noRoom.stderr).not.toMatch(/\n\s+at /);
      expect(await readdir(full)).toEqual([]);
    } finally {
      spawnSync('umount', [ro]);
      spawnSync('umount', [full]);
    }
  });
});
