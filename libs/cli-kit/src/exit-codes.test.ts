import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from './exit-codes.ts';

describe('EXIT_CODES', () => {
  it('gives every code a unique exit status inside its documented range and help text', () => {
    const statuses = Object.values(EXIT_CODES).map((c) => c.exit);
    expect(new Set(statuses).size).toBe(statuses.length);
    for (const [name, { exit, help }] of Object.entries(EXIT_CODES)) {
      expect(help.length, name).toBeGreaterThan(20);
      expect(exit === 70 || (exit >= 10 && exit <= 59), name).toBe(true);
    }
  });
});
