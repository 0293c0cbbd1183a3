import { OdtError } from '@odt/cli-kit';

/** A registry path that cannot be created or written (permissions, a file in the way, read-only). */
export function notWritable(root: string, cause: unknown): OdtError {
  const code = (cause as NodeJS.ErrnoException)?.code ?? 'unknown';
  return new OdtError('REGISTRY_NOT_WRITABLE', `cannot write to the registry (${code})`, {
    context: { registry: root },
    cause,
  });
}

/** Something in the registry is not what the index or a manifest says it is. */
export function corrupt(message: string, context: Record<string, unknown>, cause?: unknown): OdtError {
  return new OdtError('REGISTRY_CORRUPT', message, { context, cause });
}
