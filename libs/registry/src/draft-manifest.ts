import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { OdtError, writeJsonAtomic, replaceDirectory } from '@odt/cli-kit';
import {
  canonicalHash,
  contentHashOf,
  DraftManifestSchema,
  formatIssues,
  SignatureContractSchema,
  sha256Hex,
  type DraftManifest,
  type ManifestFile,
} from '@odt/contract';
import { copyFileSynced } from './durable-fs.ts';
import { gitLineage } from './git-lineage.ts';
import { inputsHashOf, pipelineCodeHash } from './pipeline-inputs.ts';
import { summariseMetrics } from './metrics-summary.ts';
import { summariseOpReport } from './op-report-summary.ts';
import { DRAFT_MANIFEST_FILE, readPassedVerification } from './verification-report.ts';
import { codeWorkspaceRoot } from './workspace-paths.ts';

/** The three stage folders `model:version` reads (each the previous target's outputs). */
export interface StageDirs {
  train: string;
  convert: string;
  verify: string;
}

export { DRAFT_MANIFEST_FILE, readPassedVerification } from './verification-report.ts';

/** Every file a version ships: where it comes from, its manifest role, whether it may be absent. */
const SHIPPED_FILES: ReadonlyArray<{ stage: keyof StageDirs; path: string; role: ManifestFile['role']; optional?: true }> = [
  { stage: 'convert', path: 'model.tflite', role: 'trainable-model' },
  { stage: 'convert', path: 'model-inference.tflite', role: 'inference-model' },
  { stage: 'convert', path: 'model-flex.tflite', role: 'flex-model', optional: true },
  { stage: 'train', path: 'contract.json', role: 'contract' },
  { stage: 'convert', path: 'op-report.json', role: 'op-report' },
  { stage: 'verify', path: 'verify-report.json', role: 'verify-report' },
  { stage: 'train', path: 'metrics.json', role: 'metrics' },
  { stage: 'train', path: 'report.md', role: 'report', optional: true },
];

const TrainResultSchema = z.looseObject({
  configHash: z.string(),
  datasetHash: z.string(),
  nodeVersion: z.string(),
  tfjsNodeVersion: z.string(),
  tfjsTensorflowVersion: z.string(),
});
const ConvertResultSchema = z.looseObject({ pythonVersion: z.string(), converterTensorflowVersion: z.string() });
async function readJson(path: string, missing: () => OdtError): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw missing();
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new OdtError('ARTIFACTS_INVALID', `${path} is not valid JSON`, { context: { file: path }, cause });
  }
}

function artifactsMissing(path: string): OdtError {
  return new OdtError('ARTIFACTS_INVALID', 'a stage output the manifest needs is missing', { context: { file: path } });
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new OdtError('ARTIFACTS_INVALID', `${path} does not have the expected fields`, {
      context: { file: path, issues: formatIssues(parsed.error).slice(0, 5) },
    });
  }
  return parsed.data;
}

/** A file the draft lists, with the stage file it was read from. */
export interface DraftFile extends ManifestFile {
  source: string;
}

/**
 * Builds everything of the manifest except name, version, time and parent: file hashes and
 * sizes, contract and its hash, content hash, metrics, op summary, verification, lineage.
 */
export async function createDraftManifest(
  dirs: StageDirs,
  options: { workspaceRoot?: string } = {},
): Promise<{ draft: DraftManifest; files: DraftFile[] }> {
  const verification = await readPassedVerification(dirs.verify);
  const files: DraftFile[] = [];
  for (const spec of SHIPPED_FILES) {
    const source = join(dirs[spec.stage], spec.path);
    let bytes: Buffer;
    try {
      bytes = await readFile(source);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && spec.optional) continue;
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw artifactsMissing(source);
      throw error;
    }
    files.push({ path: spec.path, role: spec.role, sha256: sha256Hex(bytes), size: bytes.length, source });
  }
  const trainable = files.find((f) => f.role === 'trainable-model')!;
  const verified = verification.model;
  if (verified && verified.file === trainable.path && verified.sha256 !== trainable.sha256) {
    throw new OdtError('NOT_VERIFIED', 'the verification report is for other model bytes than model.tflite', {
      context: { verified: verified.sha256, model: trainable.sha256 },
      suggestion: 'Re-run `npx nx run model:verify` on the current conversion output.',
    });
  }
  const contractPath = join(dirs.train, 'contract.json');
  const contract = parseWith(SignatureContractSchema, await readJson(contractPath, () => artifactsMissing(contractPath)), contractPath);
  const trainResultPath = join(dirs.train, 'train-result.json');
  const trainResult = parseWith(TrainResultSchema, await readJson(trainResultPath, () => artifactsMissing(trainResultPath)), trainResultPath);
  const convertResultPath = join(dirs.convert, 'convert-result.json');
  const convertResult = parseWith(
    ConvertResultSchema,
    await readJson(convertResultPath, () => artifactsMissing(convertResultPath)),
    convertResultPath,
  );
  const opReportPath = join(dirs.convert, 'op-report.json');
  const metricsPath = join(dirs.train, 'metrics.json');
  const workspaceRoot = options.workspaceRoot ?? codeWorkspaceRoot();
  const git = await gitLineage(workspaceRoot);
  const contractHash = canonicalHash(contract);
  const inputs = {
    configHash: trainResult.configHash,
    datasetHash: trainResult.datasetHash,
    tfjsNodeVersion: trainResult.tfjsNodeVersion,
    tfjsTensorflowVersion: trainResult.tfjsTensorflowVersion,
    pythonVersion: convertResult.pythonVersion,
    converterTensorflowVersion: convertResult.converterTensorflowVersion,
    pipelineCodeHash: await pipelineCodeHash(workspaceRoot),
  };
  const draft = DraftManifestSchema.parse({
    schemaVersion: 1,
    contractHash,
    contentHash: contentHashOf(files),
    files: files.map(({ path, role, sha256, size }) => ({ path, role, sha256, size })),
    contract,
    labels: contract.labels,
    metrics: summariseMetrics(await readJson(metricsPath, () => artifactsMissing(metricsPath))),
    opReport: summariseOpReport(await readJson(opReportPath, () => artifactsMissing(opReportPath)), opReportPath),
    verification: { passed: true, checks: verification.checks.map((c) => c.name) },
    lineage: { ...git, ...inputs, nodeVersion: trainResult.nodeVersion, inputsHash: inputsHashOf(inputs, contractHash) },
  });
  return { draft, files };
}

/**
 * The `model:version` stage: writes draft-manifest.json and a copy of every listed file into
 * one folder, replaced as a whole, so `publish` reads only this stage's (Nx-cached) output.
 */
export async function writeDraftStage(dirs: StageDirs, outDir: string, options: { workspaceRoot?: string } = {}): Promise<DraftManifest> {
  const { draft, files } = await createDraftManifest(dirs, options);
  await replaceDirectory(outDir, async (staging) => {
    for (const file of files) {
      await copyFileSynced(file.source, join(staging, file.path));
      const copied = await stat(join(staging, file.path));
      if (copied.size !== file.size) throw new OdtError('ARTIFACTS_INVALID', 'a stage file changed while it was copied', { context: { file: file.source } });
    }
    await writeJsonAtomic(join(staging, DRAFT_MANIFEST_FILE), draft);
  });
  return draft;
}
