import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { OdtError } from '@odt/cli-kit';
import { canonicalJson, type PretrainedBase } from '@odt/contract';

/**
 * A pretrained base's files: `root` is the folder they are relative to, `files` the relative
 * POSIX paths that make up the model (sorted). The sha256 over them is the base's identity in
 * the features cache key and the contract; train copies exactly these files to `train/base/`.
 */
export interface BaseFiles {
  root: string;
  files: string[];
  /** What tfjs-node loads: model.json, the SavedModel folder, or the keras file (absolute). */
  entry: string;
}

const FIX = "Fix architecture.base.path (relative to the config file's folder).";

async function statOrRefuse(path: string): Promise<import('node:fs').Stats> {
  return stat(path).catch((cause: NodeJS.ErrnoException) => {
    throw new OdtError('BASE_INVALID', `architecture.base.path points to ${path}, which ${cause.code === 'ENOENT' ? 'does not exist' : `cannot be read (${cause.code})`}`, { suggestion: FIX, cause });
  });
}

/** Every regular file under `dir`, as sorted POSIX paths relative to it. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** The graph model's model.json plus every weight shard its weightsManifest lists. */
async function graphModelFiles(entry: string): Promise<string[]> {
  let manifest: { weightsManifest?: Array<{ paths?: string[] }> };
  try {
    manifest = JSON.parse(await readFile(entry, 'utf8')) as typeof manifest;
  } catch (cause) {
    throw new OdtError('BASE_INVALID', `${entry} is not a tfjs graph model.json: ${(cause as Error).message}`, { cause, suggestion: 'Point architecture.base.path at the model.json the tensorflowjs converter wrote.' });
  }
  const shards = (manifest.weightsManifest ?? []).flatMap((group) => group.paths ?? []);
  for (const shard of shards) await statOrRefuse(join(dirname(entry), shard));
  return [basename(entry), ...shards].sort();
}

/** Finds the base's files from the config, refusing a missing path or the wrong kind of file. */
export async function resolveBaseFiles(base: PretrainedBase, configDir: string): Promise<BaseFiles> {
  const entry = resolve(configDir, base.path);
  const info = await statOrRefuse(entry);
  if (base.pretrained === 'saved-model') {
    if (!info.isDirectory()) throw new OdtError('BASE_INVALID', `architecture.base.path points to ${entry}, which is a file; a saved-model base is the SavedModel folder (holding saved_model.pb)`, { suggestion: FIX });
    return { root: entry, files: await walk(entry), entry };
  }
  if (!info.isFile()) {
    const wanted = base.pretrained === 'keras' ? 'the .keras/.h5 file' : 'its model.json';
    throw new OdtError('BASE_INVALID', `architecture.base.path points to ${entry}, which is a folder; a ${base.pretrained} base is ${wanted}`, { suggestion: FIX });
  }
  const files = base.pretrained === 'keras' ? [basename(entry)] : await graphModelFiles(entry);
  return { root: dirname(entry), files, entry };
}

/**
 * sha256 of canonicalJson([{ path, sha256 }...]) over the files sorted by path: the same bytes
 * give the same hash wherever the base sits, and the bridge recomputes it over train/base/.
 */
export async function baseSha256(files: BaseFiles): Promise<string> {
  const entries = [];
  for (const path of files.files) {
    entries.push({ path, sha256: createHash('sha256').update(await readFile(join(files.root, path))).digest('hex') });
  }
  return createHash('sha256').update(canonicalJson(entries)).digest('hex');
}

/** Copies the base's files to `dest` at the same relative paths (train's base/ folder). */
export async function copyBaseFiles(files: BaseFiles, dest: string): Promise<void> {
  for (const path of files.files) {
    await mkdir(dirname(join(dest, path)), { recursive: true });
    await copyFile(join(files.root, path), join(dest, path));
  }
}

/** Total bytes of the base's files (for the output-size estimate of a full disk). */
export async function baseBytes(files: BaseFiles): Promise<number> {
  let total = 0;
  for (const path of files.files) total += (await stat(join(files.root, path))).size;
  return total;
}
