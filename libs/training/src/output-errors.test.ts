import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOdtError, OdtError } from '@odt/cli-kit';
import { outputError, requireWritableOutput } from './output-errors.ts';
import { tempDir } from './test-fixtures.ts';

describe('training output errors', () => {
  it('turns a real ENOSPC into OUTPUT_NOT_WRITABLE with the space needed and free', async () => {
    // /dev/full answers every write with ENOSPC, the same errno a full disk gives.
    const enospc = await writeFile('/dev/full', 'x').then(() => undefined, (e: unknown) => e);
    const error = await outputError(enospc, '/tmp/odt-out/train', 3 * 1024 ** 2);
    expect(isOdtError(error, 'OUTPUT_NOT_WRITABLE')).toBe(true);
    expect((error as Error).message).toMatch(/^cannot write the training outputs to \/tmp\/odt-out\/train: no space left on the device \(the outputs need about 3\.0 MiB, [\d.]+ [KMGT]?i?B free there\)$/);
  });

  it('refuses an --out inside a file before training, naming the folder', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a-file'), '');
    const error = await requireWritableOutput(join(dir, 'a-file', 'model', 'train')).then(() => new Error('expected a refusal'), (e: unknown) => e as Error);
    expect(isOdtError(error, 'OUTPUT_NOT_WRITABLE')).toBe(true);
    expect(error.message).toContain(`cannot write the training outputs to ${join(dir, 'a-file', 'model', 'train')}: part of the path is a file, not a folder`);
  });

  it('says where replaceDirectory kept the previous outputs when it could not restore them', async () => {
    const failedSwap = Object.assign(new Error('could not replace'), { code: 'EACCES', keptAt: '/out/.tmp-train-1-ab-old' });
    const error = await outputError(failedSwap, '/out/train');
    expect((error as Error).message).toBe('cannot write the training outputs to /out/train: permission denied; the previous outputs are kept at /out/.tmp-train-1-ab-old');
  });

  it('leaves errors that are not about the output folder alone', async () => {
    const bug = new TypeError('x is undefined');
    expect(await outputError(bug, '/tmp/out')).toBe(bug);
    const userError = new OdtError('DATASET_CORRUPT', 'bad');
    expect(await outputError(userError, '/tmp/out')).toBe(userError);
  });
});
