import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from './exit-codes.ts';

describe('EXIT_CODES', () => {
  it('keeps update-security failures (signed channel documents) in 60-69', () => {
    expect([EXIT_CODES.CHANNEL_ROLLBACK.exit, EXIT_CODES.CHANNEL_EXPIRED.exit, EXIT_CODES.MIX_AND_MATCH.exit]).toEqual([60, 61, 62]);
  });

  it('gives every code a unique exit status inside its documented range and help text', () => {
    const statuses = Object.values(EXIT_CODES).map((c) => c.exit);
    expect(new Set(statuses).size).toBe(statuses.length);
    for (const [name, { exit, help }] of Object.entries(EXIT_CODES)) {
      expect(help.length, name).toBeGreaterThan(20);
      expect(exit === 70 || (exit >= 10 && exit <= 69), name).toBe(true);
    }
  });
});
