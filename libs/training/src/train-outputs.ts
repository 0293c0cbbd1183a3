import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { writeJsonAtomic } from '@odt/cli-kit';
import type { SignatureContract } from '@odt/contract';
import type { Split } from './datasets/split.ts';
import type { Evaluation } from './evaluate.ts';
import type { FitResult } from './fit.ts';
import type { Metrics } from './metrics.ts';
import { renderCurvesSvg } from './curves-svg.ts';
import { renderReport } from './report.ts';

/** metrics.json of one training run (wallSeconds is filled in when the outputs are written). */
export function trainingMetrics(modelName: string, dataset: string, split: Split, fit: FitResult, evaluation: Evaluation): Metrics {
  return {
    modelName,
    dataset,
    trainCount: split.train.length,
    validationCount: split.validation.length,
    testCount: split.test.length,
    epochs: fit.epochs,
    earlyStopping: fit.earlyStopping,
    testAccuracy: evaluation.accuracy,
    confusion: evaluation.confusion,
    samplesPerSecond: fit.samplesPerSecond,
    wallSeconds: 0,
  };
}

/**
 * The documents every `model:train` writes next to its model, whatever the base: contract,
 * metrics, learning curves, the report and train-result (last, as the version stage reads it).
 */
export async function writeTrainDocuments(dir: string, documents: { contract: SignatureContract; metrics: Metrics; result: object; labels: string[] }): Promise<void> {
  await writeJsonAtomic(join(dir, 'contract.json'), documents.contract);
  await writeJsonAtomic(join(dir, 'metrics.json'), documents.metrics);
  await writeFile(join(dir, 'curves.svg'), renderCurvesSvg(documents.metrics.epochs));
  await writeFile(join(dir, 'report.md'), renderReport(documents.metrics, documents.labels));
  await writeJsonAtomic(join(dir, 'train-result.json'), documents.result);
}
