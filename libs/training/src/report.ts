import type { Metrics } from './metrics.ts';

/**
 * The short report a person reads instead of metrics.json: headline figures, the curves, and
 * the confusion matrix with the most confused pairs called out.
 */
export function renderReport(metrics: Metrics, labels: string[]): string {
  const last = metrics.epochs[metrics.epochs.length - 1]!;
  const header = `| actual \\ predicted | ${labels.join(' | ')} |\n|---|${labels.map(() => '---:').join('|')}|`;
  const rows = metrics.confusion.map((row, i) => `| **${labels[i]}** | ${row.join(' | ')} |`).join('\n');
  const confused = metrics.confusion
    .flatMap((row, a) => row.map((n, p) => ({ a, p, n })))
    .filter((c) => c.a !== c.p && c.n > 0)
    .sort((x, y) => y.n - x.n)
    .slice(0, 3)
    .map((c) => `${labels[c.a]} read as ${labels[c.p]} (${c.n}x)`)
    .join(', ');
  const stop = metrics.earlyStopping;
  const stopped = stop.stoppedEarly
    ? [`- **Stopped early after epoch ${stop.lastEpoch}**: validation loss had not improved for ${stop.patience} epoch(s) (best ${stop.bestValLoss.toFixed(4)} at epoch ${stop.bestEpoch}); the model keeps the weights of epoch ${stop.lastEpoch}`]
    : [];
  return [
    `# Training report: ${metrics.modelName}`,
    '',
    `- **Test accuracy: ${(metrics.testAccuracy * 100).toFixed(2)}%** on ${metrics.testCount} held-out samples`,
    `- Final epoch ${last.epoch}: train loss ${last.loss.toFixed(4)}, validation loss ${last.valLoss.toFixed(4)}, validation accuracy ${(last.valAccuracy * 100).toFixed(2)}%`,
    ...stopped,
    `- Data: ${metrics.dataset} — ${metrics.trainCount} train / ${metrics.validationCount} validation / ${metrics.testCount} test`,
    `- Throughput: ${metrics.samplesPerSecond.toFixed(0)} samples/s; wall time ${metrics.wallSeconds.toFixed(1)} s`,
    `- Most confused: ${confused || 'none'}`,
    '',
    '![training curves](curves.svg)',
    '',
    '## Confusion matrix (test set)',
    '',
    header,
    rows,
    '',
  ].join('\n');
}
