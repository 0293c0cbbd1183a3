import { OdtError } from '@odt/cli-kit';

/**
 * Firebase ML v1beta2 naming rules, checked before any upload. firebase-admin (Node) only
 * requires a non-empty display name. The service's rule (API description, Model.displayName in
 * googleapis/google-api-go-client firebaseml/v1beta2/firebaseml-api.json): up to 32 ASCII
 * letters, digits and underscores, starting with a letter; hyphens are accepted in practice.
 * Tags: [A-Za-z0-9_-]{1,32}, as the Python Admin SDK checks them (firebase_admin/ml.py).
 */
export const DISPLAY_NAME_RULE = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
export const TAG_RULE = /^[A-Za-z0-9_-]{1,32}$/;

/** One Firebase model per contract major: `digits` major 1 -> `digits_v1`. */
export function displayNameFor(modelName: string, major: number): string {
  return `${modelName}_v${major}`;
}

function displayNameProblem(displayName: string): string | undefined {
  if (displayName.length === 0) return 'it is empty';
  if (!/^[A-Za-z]/.test(displayName)) return 'the name must start with a letter (A-Z or a-z)';
  if (displayName.length > 32) return `it has ${displayName.length} characters; at most 32 are allowed`;
  const bad = [...displayName].find((c) => !/[A-Za-z0-9_-]/.test(c));
  if (bad !== undefined) return `"${bad}" is not allowed: only ASCII letters, digits, underscores and hyphens`;
  return undefined;
}

export function assertDisplayName(displayName: string): void {
  const problem = displayNameProblem(displayName);
  if (problem) {
    throw new OdtError('CONFIG_INVALID', `"${displayName}" is not a valid Firebase ML model name: ${problem}`, {
      context: { rule: 'starts with a letter; then up to 31 more ASCII letters, digits, underscores or hyphens' },
      suggestion: 'Rename the model (the Firebase name is <model-name>_v<major>) or pass --display-name with a valid name, e.g. digits_v1.',
    });
  }
}

/** Tags carrying the semver and content hash (dots are not allowed in tags, so 1.2.3 -> v1_2_3). */
export function tagsFor(version: string, contentHash: string): string[] {
  const tags = [`v${version.replaceAll('.', '_')}`, `sha256_${contentHash.slice(0, 25)}`];
  for (const tag of tags) {
    if (!TAG_RULE.test(tag)) {
      throw new OdtError('CONFIG_INVALID', `Tag "${tag}" breaks the Firebase ML tag rule (1-32 ASCII letters, digits, underscores, hyphens)`, {
        context: { rule: TAG_RULE.source },
        suggestion: 'Shorten the version (pre-release and build parts make the v<major>_<minor>_<patch> tag too long).',
      });
    }
  }
  return tags;
}
