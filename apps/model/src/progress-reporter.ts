import type { EpochLogs, TrainingProgress } from '@odt/training';

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : String(v));

/** Plain lines, one per epoch: readable in CI logs and cheap (no per-batch device sync). */
export function plainProgress(write: (s: string) => void = (s) => process.stderr.write(s)): TrainingProgress {
  return {
    onEpochStart() {},
    onEpochEnd(l: EpochLogs, epochs: number) {
      write(`epoch ${l.epoch}/${epochs}  loss ${fmt(l.loss)}  acc ${fmt(l.accuracy)}  val_loss ${fmt(l.valLoss)}  val_acc ${fmt(l.valAccuracy)}  ${l.seconds.toFixed(1)}s\n`);
    },
  };
}

/** A redrawn single-line bar with batch, loss, accuracy and ETA, for people at a terminal. */
export function ttyProgress(stream: NodeJS.WriteStream = process.stderr): TrainingProgress {
  let epochStarted = 0;
  const plain = plainProgress((s) => stream.write(s));
  return {
    onEpochStart() {
      epochStarted = performance.now();
    },
    onBatch(epoch, batch, batches, loss, accuracy) {
      if (batch % 5 !== 0 && batch !== batches) return;
      const width = 24;
      const done = Math.round((batch / batches) * width);
      const elapsed = (performance.now() - epochStarted) / 1000;
      const eta = (elapsed / batch) * (batches - batch);
      stream.write(`\r\x1b[2Kepoch ${epoch} [${'='.repeat(done)}${' '.repeat(width - done)}] ${batch}/${batches}  loss ${fmt(loss)}  acc ${fmt(accuracy)}  eta ${eta.toFixed(0)}s`);
    },
    onEpochEnd(logs, epochs) {
      stream.write('\r\x1b[2K');
      plain.onEpochEnd(logs, epochs);
    },
  };
}

/** TTY bar when a person is watching, plain lines in CI or when output is piped. */
export function chooseProgress(): TrainingProgress {
  return process.stderr.isTTY && !process.env.CI ? ttyProgress() : plainProgress();
}
