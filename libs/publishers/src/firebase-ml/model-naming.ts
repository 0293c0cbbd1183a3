import { OdtError } from '@odt/cli-kit';

/**
 * Firebase ML v1beta2 naming rules, checked before any network call. firebase-admin (Node) only
 * requires a non-empty display name; the service (and the Python Admin SDK, which mirrors it)
 * accepts display names and tags of 1-32 characters from [A-Za-z0-9_-].
 */
export const DISPLAY_NAME_RULE = /^[A-Za-z0-9_-]{1,32}$/;
export const TAG_RULE = /^[A-Za-z0-9_-]{1,32}$/;

/** One Firebase model per contract major: `digits` major 1 -> `digits_v1`. */
export function displayNameFor(modelName: string, major: number): string {
  return `${modelName}_v${major}`;
}

export function assertDisplayName(displayName: string): void {
  if (!DISPLAY_NAME_RULE.test(displayName)) {
    throw new OdtError('CONFIG_INVALID', `"${displayName}" is not a valid Firebase ML model name`, {
      context: { rule: '1-32 characters: letters, digits, underscore, hyphen' },
      suggestion: 'Rename the model (the Firebase name is <model-name>_v<major>) or pass --display-name with a valid name.',
    });
  }
}

/** Tags carrying the semver and content hash (dots are not allowed in tags, so 1.2.3 -> v1_2_3). */
export function tagsFor(version: string, contentHash: string): string[] {
  const tags = [`v${version.replaceAll('.', '_')}`, `sha256_${contentHash.slice(0, 25)}`];
  for (const tag of tags) {
    if (!TAG_RULE.test(tag)) throw new OdtError('CONFIG_INVALID', `Tag "${tag}" breaks the Firebase ML tag rule`, { context: { rule: TAG_RULE.source } });
  }
  return tags;
}
