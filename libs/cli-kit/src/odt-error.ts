import { EXIT_CODES, type ErrorCode } from './exit-codes.ts';

/**
 * The one error type stages throw for anything a user can act on: a code (which fixes the
 * exit status), what happened, context, and what to do next. The CLI edge prints it without a
 * stack trace; anything else reaching the edge is a bug (exit 70).
 */
export class OdtError extends Error {
  readonly code: ErrorCode;
  readonly suggestion: string;
  readonly context: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { suggestion?: string; context?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OdtError';
    this.code = code;
    this.suggestion = options.suggestion ?? EXIT_CODES[code].help;
    this.context = options.context ?? {};
  }

  get exitCode(): number {
    return EXIT_CODES[this.code].exit;
  }
}

/** Narrowing helper for catch blocks and tests. */
export function isOdtError(value: unknown, code?: ErrorCode): value is OdtError {
  return value instanceof OdtError && (code === undefined || value.code === code);
}
