import { describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { bumpVersion, compareVersions, highestVersion, maxSatisfying, parseRange, parseVersion, satisfies, tryParseVersion } from './versions.ts';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return isOdtError(error) ? error.code : 'not-an-OdtError';
  }
  return undefined;
}

describe('versions', () => {
  it('orders numerically, not lexically', () => {
    expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(highestVersion(['1.2.0', '10.0.0', '9.9.9'])).toBe('10.0.0');
  });

  it.each(['01.0.0', '1.0.0-beta', 'v1.0.0', ' 1.0.0', '1.0', '1.9007199254740991.0', '1000000000.0.0'])('refuses %j', (text) => {
    expect(tryParseVersion(text)).toBeNull();
    expect(codeOf(() => parseVersion(text))).toBe('VERSION_RANGE_INVALID');
  });

  it('accepts the largest bounded part and refuses to bump past it', () => {
    expect(tryParseVersion('1.999999999.0')?.minor).toBe(999_999_999);
    expect(bumpVersion('1.4.2', 'major')).toBe('2.0.0');
    expect(bumpVersion('1.4.2', 'minor')).toBe('1.5.0');
    expect(codeOf(() => bumpVersion('1.999999999.0', 'minor'))).toBe('VERSION_CONFLICT');
  });
});

describe('version ranges', () => {
  const versions = ['0.1.0', '0.1.5', '0.2.0', '1.0.0', '1.2.0', '1.2.7', '1.10.0', '2.0.0', '3.1.0'];
  const cases: Array<[string, string | null]> = [
    ['1.2.0', '1.2.0'],
    ['^1.0.0', '1.10.0'],
    ['^0.1.0', '0.1.5'],
    ['~1.2', '1.2.7'],
    ['1.x', '1.10.0'],
    ['1.2.*', '1.2.7'],
    ['*', '3.1.0'],
    ['>=1.0.0 <2.0.0', '1.10.0'],
    ['<1', '0.2.0'],
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

  it.each(['', '   ', 'latest', '^^1', '>=', '1.0.0-beta', '1 || ', '>>1', '^1.0.0+build', '^1.9007199254740991.0'])(
    'rejects malformed range %j with VERSION_RANGE_INVALID',
    (range) => {
      expect(codeOf(() => parseRange(range))).toBe('VERSION_RANGE_INVALID');
    },
  );
});
