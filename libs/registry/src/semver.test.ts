import { describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { bumpVersion, compareVersions, highestVersion, tryParseVersion } from './semver.ts';
import { maxSatisfying, parseRange, satisfies } from './semver-range.ts';

describe('semver', () => {
  it('orders numerically, not lexically', () => {
    expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(highestVersion(['1.2.0', '10.0.0', '9.9.9'])).toBe('10.0.0');
    expect(tryParseVersion('01.0.0')).toBeNull();
    expect(tryParseVersion('1.0.0-beta')).toBeNull();
  });

  it('bumps major and minor with lower parts reset', () => {
    expect(bumpVersion('1.4.2', 'major')).toBe('2.0.0');
    expect(bumpVersion('1.4.2', 'minor')).toBe('1.5.0');
  });
});

describe('version ranges', () => {
  const versions = ['0.1.0', '0.1.5', '0.2.0', '1.0.0', '1.2.0', '1.2.7', '1.10.0', '2.0.0', '3.1.0'];
  const cases: Array<[string, string | null]> = [
    ['1.2.0', '1.2.0'],
    ['^1.0.0', '1.10.0'],
    ['^0.1.0', '0.1.5'],
    ['~1.2', '1.2.7'],
    ['~1.2.3', '1.2.7'],
    ['1.x', '1.10.0'],
    ['1.2.*', '1.2.7'],
    ['*', '3.1.0'],
    ['>=1.0.0 <2.0.0', '1.10.0'],
    ['>=2', '3.1.0'],
    ['<1', '0.2.0'],
    ['>1.2', '3.1.0'],
    ['<=1.2', '1.2.7'],
    ['^4.0.0', null],
    ['^1.0.0 || ^3.0.0', '3.1.0'],
    ['1.0.0 - 1.2', '1.2.7'],
  ];
  it.each(cases)('%s resolves to %s', (range, expected) => {
    expect(maxSatisfying(versions, range)).toBe(expected);
  });

  it('checks single versions', () => {
    expect(satisfies('1.3.0', '~1.2')).toBe(false);
    expect(satisfies('0.2.0', '^0.1.0')).toBe(false);
  });

  it.each(['', 'latest', '^1.0.0.0', '>=', '1.0.0-beta', '^01.0.0', '1 || ', 'v1..2', '>>1'])(
    'rejects malformed range %j with VERSION_RANGE_INVALID',
    (range) => {
      let caught: unknown;
      try {
        parseRange(range);
      } catch (error) {
        caught = error;
      }
      expect(isOdtError(caught, 'VERSION_RANGE_INVALID')).toBe(true);
    },
  );
});
