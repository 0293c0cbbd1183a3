import { describe, expect, it } from 'vitest';
import { createEarlyStopping } from './early-stopping.ts';

function run(patience: number, valLosses: number[]) {
  const stopping = createEarlyStopping(patience);
  for (const [i, loss] of valLosses.entries()) if (stopping.shouldStop(i + 1, loss)) break;
  return stopping.record();
}

describe('early stopping', () => {
  it('stops once validation loss has not improved for `patience` epochs', () => {
    expect(run(2, [0.9, 0.5, 0.6, 0.5, 0.4])).toEqual({ patience: 2, stoppedEarly: true, lastEpoch: 4, bestEpoch: 2, bestValLoss: 0.5 });
  });

  it('keeps going while the loss improves, and never stops with patience 0', () => {
    expect(run(2, [0.9, 0.8, 0.85, 0.7])).toEqual({ patience: 2, stoppedEarly: false, lastEpoch: 4, bestEpoch: 4, bestValLoss: 0.7 });
    expect(run(0, [0.5, 0.6, 0.7, 0.8])).toMatchObject({ stoppedEarly: false, lastEpoch: 4, bestEpoch: 1 });
  });
});
