import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callBridge } from '@odt/bridge-client';
import { writeJsonAtomic } from '@odt/cli-kit';

/** Bumped when the export changes, so an older cached export is not reused. */
const EXPORT_FORMAT = 'keras-export-archive-v1';

/** Where an exported Keras base lives and the layer its features come from. */
export interface ExportedKerasBase {
  dir: string;
  /** The Keras layer name the bridge cut the model at (recorded in the contract, reloaded by convert). */
  featureOutput: string;
}

/**
 * A Keras base as a SavedModel tfjs-node can run: the bridge (pinned Keras) cuts the model at
 * featureOutput and exports it with serving_default -> {embedding}. Cached in the temp folder by
 * the base's sha256 (the one the contract records) and the requested output, so features, train
 * and re-runs export it once.
 */
export async function kerasAsSavedModel(kerasFile: string, baseSha256: string, featureOutput: string | undefined, cacheRoot = join(tmpdir(), 'odt-keras-bases')): Promise<ExportedKerasBase> {
  const key = createHash('sha256').update(`${EXPORT_FORMAT}\0${baseSha256}\0${featureOutput ?? ''}`).digest('hex');
  const dir = join(cacheRoot, key);
  const meta = `${dir}.json`;
  if (existsSync(join(dir, 'saved_model.pb')) && existsSync(meta)) return JSON.parse(await readFile(meta, 'utf8')) as ExportedKerasBase;
  // Exported into a folder of this process's own, then renamed into place: two processes exporting
  // the same base at once (parallel stages, two checkouts) both succeed, and the first rename wins.
  const mine = `${dir}.export-${process.pid}-${randomBytes(4).toString('hex')}`;
  const exported = await callBridge<{ featureOutput: string }>('export-saved-model', { kerasPath: kerasFile, outDir: mine, ...(featureOutput ? { featureOutput } : {}) });
  try {
    await rename(mine, dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !existsSync(join(dir, 'saved_model.pb'))) throw error;
    await rm(mine, { recursive: true, force: true });
  }
  const answer: ExportedKerasBase = { dir, featureOutput: exported.featureOutput };
  await writeJsonAtomic(meta, answer);
  return answer;
}
