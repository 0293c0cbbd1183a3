import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fsyncDir, OdtError, writeFileAtomic, writeFileSynced } from '@odt/cli-kit';
import type { RegistryIndex } from '@odt/contract';
import { listDir, stagingPath } from '../durable-fs.ts';
import { cleanLeftovers, findUncommittedVersions, isLeftover } from '../registry-cleanup.ts';
import { writeFailure } from '../registry-errors.ts';
import { readIndex, writeIndex } from '../registry-index-store.ts';
import { acquireRegistryLock } from '../registry-lock.ts';
import { localSource } from '../registry-source.ts';
import { channelDocumentPath, type RegistryStore } from './registry-store.ts';

/**
 * The folder backend (the embedded default): a `.lock/` folder serialises writers, a version is
 * staged under a temp name, fsynced and renamed into place, and `index.json` is replaced
 * atomically (temp file, fsync, rename) as the commit point.
 */
export function folderStore(path: string): RegistryStore {
  const root = resolve(path);
  return {
    kind: 'folder',
    location: root,
    source: localSource(root),
    exists: () => stat(root).then((info) => info.isDirectory(), () => false),
    async acquireLock(options = {}) {
      await mkdir(root, { recursive: true });
      return acquireRegistryLock(root, { timeoutMs: options.timeoutMs });
    },
    async readIndex() {
      return { index: await readIndex(root), token: null };
    },
    async commitIndex(index, _token, lock) {
      await lock.assertHeld();
      await writeIndex(root, index);
    },
    async writeVersion(name, version, files, lock) {
      const modelDir = join(root, name);
      const finalDir = join(modelDir, version);
      if (await stat(finalDir).then(() => true, () => false)) {
        throw new OdtError('VERSION_CONFLICT', `${name}@${version} already exists on disk and is never rewritten`, { context: { path: finalDir } });
      }
      const staging = stagingPath(root, `${name}-${version}`);
      try {
        await mkdir(staging);
        for (const [file, content] of files) await writeFileSynced(join(staging, file), content);
        await fsyncDir(staging);
        await mkdir(modelDir, { recursive: true });
        await fsyncDir(root);
        await lock.assertHeld();
        await rename(staging, finalDir);
        await fsyncDir(modelDir);
        await fsyncDir(root);
      } finally {
        await rm(staging, { recursive: true, force: true }).catch(() => undefined);
      }
    },
    async removeVersion(name, version) {
      await rm(join(root, name, version), { recursive: true, force: true });
    },
    async writeChannelDocument(name, channel, bytes, lock) {
      await lock.assertHeld();
      await writeFileAtomic(join(root, ...channelDocumentPath(name, channel).split('/')), bytes);
    },
    cleanLeftovers: (index: RegistryIndex) => cleanLeftovers(root, index),
    async listVersionFiles(name, version) {
      return (await readdir(join(root, name, version)).catch(() => [])).map(String);
    },
    async listLeftovers(index) {
      const leftovers = (await listDir(root)).filter(isLeftover).map((entry) => `leftover of an interrupted write: ${entry}`);
      for (const { name, version } of await findUncommittedVersions(root, index)) leftovers.push(`uncommitted version folder (publish interrupted): ${name}/${version}`);
      return leftovers;
    },
    describeFailure: (error, sizes) => writeFailure(root, error, sizes),
  };
}
