import { copyFile, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Copies a file and fsyncs the copy: a staged version folder is complete before its rename. */
export async function copyFileSynced(from: string, to: string): Promise<void> {
  await copyFile(from, to);
  const handle = await open(to, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A unique sibling name for staging, recognisable by the `.tmp-` prefix the cleaner looks for. */
export function stagingPath(parentDir: string, label: string): string {
  return join(parentDir, `.tmp-${label}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Lists a folder, treating a missing folder as empty. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
