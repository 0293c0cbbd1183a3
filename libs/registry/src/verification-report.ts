import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { OdtError } from '@odt/cli-kit';
import { formatIssues } from '@odt/contract';

/** The file `model:version` writes next to the copies of the shipped files. */
export const DRAFT_MANIFEST_FILE = 'draft-manifest.json';

const VerifyReportSchema = z.looseObject({
  passed: z.boolean(),
  checks: z.array(z.looseObject({ name: z.string(), passed: z.boolean(), detail: z.unknown().optional() })),
  /** What the bridge verified; when present it must be the bytes being versioned. */
  model: z.looseObject({ file: z.string(), sha256: z.string() }).optional(),
});

/**
 * Refuses anything that did not pass verification: no report, an unreadable one, or
 * passed=false. Publishing reuses the same check on the draft.
 */
export async function readPassedVerification(verifyDir: string): Promise<z.infer<typeof VerifyReportSchema>> {
  const path = join(verifyDir, 'verify-report.json');
  const notVerified = (message: string, context: Record<string, unknown> = {}) =>
    new OdtError('NOT_VERIFIED', message, { context: { report: path, ...context } });
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw notVerified(missing ? 'there is no verification report' : 'the verification report is not valid JSON');
  }
  const parsed = VerifyReportSchema.safeParse(json);
  if (!parsed.success) throw notVerified('the verification report is not in the expected format', { issues: formatIssues(parsed.error) });
  const failed = parsed.data.checks.filter((c) => !c.passed).map((c) => c.name);
  if (!parsed.data.passed || failed.length > 0) throw notVerified('the model failed verification', { failedChecks: failed });
  return parsed.data;
}

