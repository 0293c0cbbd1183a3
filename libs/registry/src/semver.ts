import { OdtError } from '@odt/cli-kit';

/** A release version MAJOR.MINOR.PATCH; the registry has no pre-releases or build metadata. */
export interface SemVer {
  major: number;
  minor: number;
  patch: number;
}

const STRICT = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** Parses an exact version; returns null rather than throwing so callers pick the error code. */
export function tryParseVersion(text: string): SemVer | null {
  const match = STRICT.exec(text.trim());
  if (!match) return null;
  const [major, minor, patch] = [match[1], match[2], match[3]].map(Number) as [number, number, number];
  if (![major, minor, patch].every(Number.isSafeInteger)) return null;
  return { major, minor, patch };
}

/** Parses a version a user or the index gave; malformed input is a usage error. */
export function parseVersion(text: string): SemVer {
  const parsed = tryParseVersion(text);
  if (!parsed) {
    throw new OdtError('VERSION_RANGE_INVALID', `"${text}" is not a version of the form MAJOR.MINOR.PATCH`, {
      context: { version: text },
      suggestion: 'Write a version such as 1.4.0 (no "v" prefix, no pre-release tag).',
    });
  }
  return parsed;
}

/** Orders versions the semver way (numeric per part), for sorting and "moves forward" checks. */
export function compareVersions(a: SemVer | string, b: SemVer | string): number {
  const x = typeof a === 'string' ? parseVersion(a) : a;
  const y = typeof b === 'string' ? parseVersion(b) : b;
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}

/** The canonical text form, the only one the registry writes. */
export function formatVersion(version: SemVer): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}

/** The next major or minor release, as the version rule asks for. */
export function bumpVersion(version: SemVer | string, part: 'major' | 'minor' | 'patch'): string {
  const v = typeof version === 'string' ? parseVersion(version) : version;
  if (part === 'major') return formatVersion({ major: v.major + 1, minor: 0, patch: 0 });
  if (part === 'minor') return formatVersion({ major: v.major, minor: v.minor + 1, patch: 0 });
  return formatVersion({ major: v.major, minor: v.minor, patch: v.patch + 1 });
}

/** Highest of a list of versions, or null for an empty list. */
export function highestVersion(versions: readonly string[]): string | null {
  return versions.reduce<string | null>((best, v) => (best === null || compareVersions(v, best) > 0 ? v : best), null);
}
