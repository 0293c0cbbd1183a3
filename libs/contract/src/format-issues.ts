import type { z } from 'zod';

/**
 * Turns zod issues into lines a person can act on: `architecture.head.1.units: ...`.
 * Used by every stage that validates a file, so messages look the same everywhere.
 */
export function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `${where}: ${issue.message}`;
  });
}
