import { EXIT_CODES } from './exit-codes.ts';
import { OdtError } from './odt-error.ts';

/** Renders an error for a person: message, context lines, what to do next. No stack trace. */
export function formatError(error: OdtError): string {
  const lines = [`error[${error.code}]: ${error.message}`];
  for (const [key, value] of Object.entries(error.context)) {
    lines.push(`  ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  lines.push(`  fix: ${error.suggestion}`);
  return lines.join('\n');
}

/**
 * The single edge where errors become exit codes. Every CLI entry point calls it, so a user
 * mistake never prints a stack trace and every exit status is one documented in EXIT_CODES.
 */
export async function runCli(main: () => Promise<void | number>): Promise<void> {
  try {
    const code = await main();
    process.exitCode = typeof code === 'number' ? code : 0;
  } catch (error) {
    if (error instanceof OdtError) {
      process.stderr.write(`${formatError(error)}\n`);
      if (process.env.ODT_DEBUG && error.cause) process.stderr.write(`cause: ${String((error.cause as Error).stack ?? error.cause)}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    process.stderr.write(`error[INTERNAL]: ${(error as Error)?.message ?? String(error)}\n  fix: ${EXIT_CODES.INTERNAL.help}\n`);
    if (process.env.ODT_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    process.exitCode = EXIT_CODES.INTERNAL.exit;
  }
}
