import semver from 'semver';
import { OdtError } from '@odt/cli-kit';
import { MAX_VERSION_PART, SEMVER_PATTERN } from '@odt/contract';

/**
 * Registry versions on top of npm `semver`: plain MAJOR.MINOR.PATCH (no pre-release, no build,
 * no "v"), each part at most MAX_VERSION_PART so TypeScript, Kotlin and Python read the same
 * number. Ranges use npm's grammar, resolved over those versions only.
 */

/** Parses an exact version; returns null rather than throwing so callers pick the error code. */
export function tryParseVersion(text: string): semver.SemVer | null {
  return SEMVER_PATTERN.test(text) ? new semver.SemVer(text) : null;
}

/** Parses a version a user or the index gave; malformed or out-of-bounds input is a usage error. */
export function parseVersion(text: string): semver.SemVer {
  const parsed = tryParseVersion(text);
  if (!parsed) {
    throw new OdtError('VERSION_RANGE_INVALID', `"${text}" is not a registry version`, {
      context: { version: text },
      suggestion: `Write MAJOR.MINOR.PATCH such as 1.4.0: no "v" prefix, no pre-release tag, each part at most ${MAX_VERSION_PART}.`,
    });
  }
  return parsed;
}

/** Orders versions numerically per part, for sorting and "moves forward" checks. */
export function compareVersions(a: string, b: string): number {
  return semver.compare(parseVersion(a), parseVersion(b));
}

/** The next major or minor release, as the version rule asks; refuses to leave the bounds. */
export function bumpVersion(version: string, part: 'major' | 'minor' | 'patch'): string {
  const next = semver.inc(parseVersion(version), part);
  if (next === null || tryParseVersion(next) === null) {
    throw new OdtError('VERSION_CONFLICT', `there is no ${part} version after ${version} within the registry's bounds`, {
      context: { version, maxPart: MAX_VERSION_PART },
      suggestion: 'Publish under a new model name; every consumer reads version parts only up to nine digits.',
    });
  }
  return next;
}

/** Highest of a list of versions, or null for an empty list. */
export function highestVersion(versions: readonly string[]): string | null {
  return versions.reduce<string | null>((best, v) => (best === null || compareVersions(v, best) > 0 ? v : best), null);
}

/** Validates a range a user typed; an empty, malformed or pre-release range is refused. */
export function parseRange(range: string): semver.Range {
  const invalid = (why: string) =>
    new OdtError('VERSION_RANGE_INVALID', `version range "${range}" is malformed: ${why}`, { context: { range } });
  // npm reads an empty range or alternative as "*"; for a pull that is a typo, not a wish.
  if (range.split('||').some((part) => part.trim() === '')) throw invalid('it is empty or has an empty alternative');
  if (/[-+]/.test(range.replace(/\s-\s/g, ' '))) throw invalid('the registry has no pre-release or build versions');
  let parsed: semver.Range;
  try {
    parsed = new semver.Range(range);
  } catch {
    throw invalid('see npm semver ranges: ^1.2.0, ~1.2, 1.x, >=1.0.0 <2.0.0, 1.2.3');
  }
  const numbers = range.match(/\d+/g) ?? [];
  if (numbers.some((n) => n.length > String(MAX_VERSION_PART).length)) throw invalid(`a version part exceeds ${MAX_VERSION_PART}`);
  return parsed;
}

/** The highest version satisfying a range, or null. */
export function maxSatisfying(versions: readonly string[], range: string): string | null {
  return semver.maxSatisfying([...versions], parseRange(range));
}

/** True when one version is inside the range. */
export function satisfies(version: string, range: string): boolean {
  return semver.satisfies(parseVersion(version), parseRange(range));
}
