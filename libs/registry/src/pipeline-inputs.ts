import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { canonicalHash, type Lineage } from '@odt/contract';

/**
 * The sources whose change may change the trained or converted bytes: the trainer, the contract
 * it builds, the stage entry points and the pinned bridge with its lock. Tests and docs are not.
 */
const PIPELINE_SOURCES: ReadonlyArray<{ dir: string; suffixes: string[] }> = [
  { dir: 'libs/training/src', suffixes: ['.ts'] },
  { dir: 'libs/contract/src', suffixes: ['.ts'] },
  { dir: 'apps/model/src', suffixes: ['.ts'] },
  { dir: 'python-bridge/odt_bridge', suffixes: ['.py'] },
  { dir: 'python-bridge', suffixes: ['requirements.lock'] },
];

const isTest = (path: string) => /\.test\.ts$|_test\.py$|\/testing\/|\/test-support\//.test(path);

async function listFiles(root: string, dir: string, suffixes: string[], recursive: boolean): Promise<string[]> {
  let entries: string[];
  try {
    entries = (await readdir(join(root, dir), { recursive })).map(String);
  } catch {
    return [];
  }
  return entries
    .map((entry) => relative(root, join(root, dir, entry)).split(sep).join('/'))
    .filter((path) => suffixes.some((suffix) => path.endsWith(suffix)) && !isTest(path) && !path.includes('__pycache__'));
}

/** sha256 over (path, sha256) of every pipeline source file, in path order; stable across clones. */
export async function pipelineCodeHash(workspaceRoot: string): Promise<string> {
  const paths: string[] = [];
  for (const { dir, suffixes } of PIPELINE_SOURCES) paths.push(...(await listFiles(workspaceRoot, dir, suffixes, dir !== 'python-bridge')));
  const hash = createHash('sha256');
  for (const path of [...new Set(paths)].sort()) {
    const digest = createHash('sha256').update(await readFile(join(workspaceRoot, path))).digest('hex');
    hash.update(`${path}\0${digest}\n`);
  }
  return hash.digest('hex');
}

/**
 * Everything that decides a model's bytes except the machine it ran on. Two drafts with the same
 * inputsHash are retrains of one model; any other byte difference is numeric noise (another CPU's
 * kernels), which the version rule does not turn into a release.
 */
export function inputsHashOf(lineage: Omit<Lineage, 'gitCommit' | 'gitDirty' | 'inputsHash' | 'nodeVersion'>, contractHash: string): string {
  return canonicalHash({
    contractHash,
    configHash: lineage.configHash,
    datasetHash: lineage.datasetHash,
    pipelineCodeHash: lineage.pipelineCodeHash ?? null,
    tfjsNodeVersion: lineage.tfjsNodeVersion,
    tfjsTensorflowVersion: lineage.tfjsTensorflowVersion,
    pythonVersion: lineage.pythonVersion,
    converterTensorflowVersion: lineage.converterTensorflowVersion,
  });
}
