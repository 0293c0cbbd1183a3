import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ModelConfigSchema, formatIssues, type ModelConfig } from '@odt/contract';
import { OdtError } from '@odt/cli-kit';

/**
 * Reads and validates the model config before anything heavy starts. Every problem is listed
 * with its field path and what to change, in one error.
 */
export async function loadModelConfig(path: string): Promise<{ config: ModelConfig; configDir: string }> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch {
    throw new OdtError('CONFIG_INVALID', `config file ${path} cannot be read`, { suggestion: 'Pass an existing file with --config (default apps/model/model.config.json).' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new OdtError('CONFIG_INVALID', `config file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const parsed = ModelConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = formatIssues(parsed.error);
    throw new OdtError('CONFIG_INVALID', `config file ${path} has ${issues.length} problem(s):\n  - ${issues.join('\n  - ')}`);
  }
  return { config: parsed.data, configDir: dirname(absolute) };
}
