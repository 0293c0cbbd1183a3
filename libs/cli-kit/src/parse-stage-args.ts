import { parseArgs, type ParseArgsConfig } from 'node:util';
import { OdtError } from './odt-error.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<T extends Options> = ReturnType<typeof parseArgs<{ options: T; strict: true; args: string[] }>>['values'];

/**
 * Parses a stage CLI's options strictly: an unknown or malformed option is USAGE (exit 14) with
 * the usage line as the fix, never a TypeError reaching the edge as an internal bug. Returns null
 * after printing the usage for --help, so the caller just returns.
 */
export function parseStageArgs<T extends Options>(usage: string, options: T, args: string[] = process.argv.slice(2)): Values<T> | null {
  let parsed: { values: Record<string, unknown> };
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', default: false } }, strict: true });
  } catch (cause) {
    throw new OdtError('USAGE', (cause as Error).message, { cause, suggestion: usage });
  }
  if (parsed.values.help) {
    process.stdout.write(`${usage}\n`);
    return null;
  }
  return parsed.values as Values<T>;
}
