import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Finds the workspace root (the folder with nx.json) so defaults do not depend on the cwd. */
export function findWorkspaceRoot(start: string = process.cwd()): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

/** The registry: --registry, then MODEL_REGISTRY (a folder or gs://bucket/prefix), then `registry/` at the workspace root. */
export function resolveRegistryPath(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const given = explicit || env.MODEL_REGISTRY;
  // A bucket location (gs://bucket/prefix) is kept as written; a folder path is made absolute.
  if (given) return /^gs:\/\//.test(given) ? given : resolve(given);
  return join(findWorkspaceRoot(), 'registry');
}

/**
 * The workspace this code is installed in, found from the code's own location and never from the
 * working directory: trust (the development key) must not depend on where a command is run.
 */
export function codeWorkspaceRoot(): string {
  return findWorkspaceRoot(dirname(fileURLToPath(import.meta.url)));
}
