import { describe, expect, it } from 'vitest';
import { closestKey, editDistance, unknownKeysMessage } from './model-config-keys.ts';

describe('unknown config keys', () => {
  it('measures edit distance without regard to case', () => {
    expect(editDistance('epochz', 'epochs')).toBe(1);
    expect(editDistance('batchsize', 'batchSize')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests the closest allowed key and nothing for a key unlike any', () => {
    const allowed = ['epochs', 'earlyStoppingPatience', 'batchSize', 'seed'];
    expect(closestKey('epochz', allowed)).toBe('epochs');
    expect(closestKey('earlyStopingPatience', allowed)).toBe('earlyStoppingPatience');
    expect(closestKey('learningRate', allowed)).toBeUndefined();
  });

  it('lists the allowed keys only when a key has no suggestion', () => {
    expect(unknownKeysMessage(['filtrs'], ['type', 'filters'])).toBe('unknown key "filtrs" (did you mean "filters"?)');
    expect(unknownKeysMessage(['zzz'], ['type', 'filters'])).toBe('unknown key "zzz"; allowed here: type, filters');
  });
});
