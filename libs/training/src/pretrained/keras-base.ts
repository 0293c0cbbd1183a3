import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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
 * the file's sha256 and the requested output, so features, train and re-runs export it once.
 */
export async function kerasAsSavedModel(kerasFile: string, featureOutput: string | undefined): Promise<ExportedKerasBase> {
  const key = createHash('sha256').update(EXPORT_FORMAT).update(await readFile(kerasFile)).update(`\0${featureOutput ?? ''}`).digest('hex');
  const dir = join(tmpdir(), 'odt-keras-bases', key);
  const meta = `${dir}.json`;
  if (existsSync(join(dir, 'saved_model.pb')) && existsSync(meta)) return JSON.parse(await readFile(meta, 'utf8')) as ExportedKerasBase;
  const exported = await callBridge<{ featureOutput: string }>('export-saved-model', { kerasPath: kerasFile, outDir: dir, ...(featureOutput ? { featureOutput } : {}) });
  const answer: ExportedKerasBase = { dir, featureOutput: exported.featureOutput };
  await writeJsonAtomic(meta, answer);
  return answer;
}
