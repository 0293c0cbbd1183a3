import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fsyncDir } from '@odt/cli-kit';

/**
 * A stage writes into `<out>.partial-<pid>` and only a finished stage is renamed to `<out>`,
 * so a crash, a NaN or a bad input never leaves files that look like a valid result.
 */
export async function withStagingDir<T>(outDir: string, work: (dir: string) => Promise<T>): Promise<T> {
  const parent = dirname(outDir);
  const staging = join(parent, `.${basename(outDir)}.partial-${process.pid}`);
  await mkdir(parent, { recursive: true });
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const result = await work(staging);
    const old = join(parent, `.${basename(outDir)}.old-${process.pid}`);
    await rename(outDir, old).catch(() => undefined);
    await rename(staging, outDir);
    await fsyncDir(parent);
    await rm(old, { recursive: true, force: true });
    return result;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
