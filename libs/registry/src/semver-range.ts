import { OdtError } from '@odt/cli-kit';
import { compareVersions, formatVersion, tryParseVersion, type SemVer } from './semver.ts';

/**
 * A small semver range parser (no dependency): exact `1.2.3`, caret `^1.2.0`, tilde `~1.2`,
 * x-ranges `1.x`, `1.2.*`, `*`, comparators `>=1.0.0 <2.0.0` (space = and), `||` alternatives.
 * Pre-releases do not exist in the registry, so they are rejected as malformed.
 */

type Comparator = { op: '>=' | '<' | '>' | '<=' | '='; version: SemVer };
/** A range is a union of intersections of comparators. */
export type VersionRange = Comparator[][];

const PARTIAL = /^(?:v)?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/;

function invalid(range: string, why: string): OdtError {
  return new OdtError('VERSION_RANGE_INVALID', `version range "${range}" is malformed: ${why}`, { context: { range } });
}

type Partial = { major: number | null; minor: number | null; patch: number | null };

function parsePartial(text: string, range: string): Partial {
  const match = PARTIAL.exec(text);
  if (!match) throw invalid(range, `"${text}" is not a version`);
  const part = (value: string | undefined): number | null => {
    if (value === undefined || /^[xX*]$/.test(value)) return null;
    if (value.length > 1 && value.startsWith('0')) throw invalid(range, `leading zero in "${text}"`);
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw invalid(range, `number too large in "${text}"`);
    return n;
  };
  const major = part(match[1]);
  const minor = major === null ? null : part(match[2]);
  const patch = minor === null ? null : part(match[3]);
  return { major, minor, patch };
}

const v = (major: number, minor: number, patch: number): SemVer => ({ major, minor, patch });

/** `1.2` means [1.2.0, 1.3.0); `1` means [1.0.0, 2.0.0); `*` means anything. */
function xRange(p: Partial): Comparator[] {
  if (p.major === null) return [{ op: '>=', version: v(0, 0, 0) }];
  if (p.minor === null) return [{ op: '>=', version: v(p.major, 0, 0) }, { op: '<', version: v(p.major + 1, 0, 0) }];
  if (p.patch === null) {
    return [{ op: '>=', version: v(p.major, p.minor, 0) }, { op: '<', version: v(p.major, p.minor + 1, 0) }];
  }
  return [{ op: '=', version: v(p.major, p.minor, p.patch) }];
}

function caret(p: Partial): Comparator[] {
  if (p.major === null) return xRange(p);
  const lower = v(p.major, p.minor ?? 0, p.patch ?? 0);
  let upper: SemVer;
  if (p.major > 0 || p.minor === null) upper = v(p.major + 1, 0, 0);
  else if (p.minor > 0 || p.patch === null) upper = v(0, p.minor + 1, 0);
  else upper = v(0, 0, (p.patch ?? 0) + 1);
  return [{ op: '>=', version: lower }, { op: '<', version: upper }];
}

function tilde(p: Partial): Comparator[] {
  if (p.major === null) return xRange(p);
  const lower = v(p.major, p.minor ?? 0, p.patch ?? 0);
  const upper = p.minor === null ? v(p.major + 1, 0, 0) : v(p.major, p.minor + 1, 0);
  return [{ op: '>=', version: lower }, { op: '<', version: upper }];
}

/** `>1.2` means >=1.3.0, `<=1.2` means <1.3.0: partial versions round like npm's semver. */
function comparator(op: string, p: Partial, range: string): Comparator[] {
  if (p.major === null) {
    if (op === '<' || op === '>') throw invalid(range, `"${op}*" matches nothing`);
    return xRange(p);
  }
  const filled = v(p.major, p.minor ?? 0, p.patch ?? 0);
  const exact = p.patch !== null;
  const next = p.minor === null ? v(p.major + 1, 0, 0) : v(p.major, p.minor + 1, 0);
  switch (op) {
    case '>=':
      return [{ op: '>=', version: filled }];
    case '<':
      return [{ op: '<', version: filled }];
    case '>':
      return [exact ? { op: '>', version: filled } : { op: '>=', version: next }];
    case '<=':
      return [exact ? { op: '<=', version: filled } : { op: '<', version: next }];
    case '=':
      return xRange(p);
    default:
      throw invalid(range, `unknown operator "${op}"`);
  }
}

const TERM = /^(\^|~|>=|<=|>|<|=)?\s*(.+)$/;

/** Parses a range; anything unrecognised fails with VERSION_RANGE_INVALID naming the part. */
export function parseRange(range: string): VersionRange {
  const text = range.trim();
  if (text.length === 0) throw invalid(range, 'it is empty');
  if (text.length > 256) throw invalid(range, 'it is longer than 256 characters');
  return text.split('||').map((alternative) => {
    const tokens = alternative
      .trim()
      .replace(/(\^|~|>=|<=|>|<|=)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    if (tokens.length === 0) throw invalid(range, 'an alternative of "||" is empty');
    if (tokens.length === 3 && tokens[1] === '-') {
      const low = parsePartial(tokens[0]!, range);
      const high = parsePartial(tokens[2]!, range);
      return [...comparator('>=', low, range), ...comparator('<=', high, range)];
    }
    return tokens.flatMap((token) => {
      const match = TERM.exec(token);
      if (!match) throw invalid(range, `"${token}" is not a comparator`);
      const [, op, rest] = match;
      const partial = parsePartial(rest!, range);
      if (op === '^') return caret(partial);
      if (op === '~') return tilde(partial);
      if (op === undefined) return xRange(partial);
      return comparator(op, partial, range);
    });
  });
}

function test(c: Comparator, version: SemVer): boolean {
  const order = compareVersions(version, c.version);
  switch (c.op) {
    case '>=':
      return order >= 0;
    case '>':
      return order > 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '=':
      return order === 0;
  }
}

/** True when the version satisfies any alternative of the range. */
export function satisfies(version: string, range: VersionRange | string): boolean {
  const parsed = typeof range === 'string' ? parseRange(range) : range;
  const candidate = tryParseVersion(version);
  if (!candidate) return false;
  return parsed.some((all) => all.every((c) => test(c, candidate)));
}

/** The highest listed version inside the range, or null: what `pull --range` installs. */
export function maxSatisfying(versions: readonly string[], range: string): string | null {
  const parsed = parseRange(range);
  const matching = versions.filter((version) => satisfies(version, parsed));
  matching.sort(compareVersions);
  return matching.length > 0 ? formatVersion(tryParseVersion(matching[matching.length - 1]!)!) : null;
}
