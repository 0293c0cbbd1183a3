import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
/** tsx's loader, so children run the TypeScript sources like the Nx targets do. */
const TSX_LOADER = require.resolve('tsx');
export const PUBLISHER_CHILD = fileURLToPath(new URL('./publisher-child.ts', import.meta.url));
export const CLI_MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url));

/** A spawned child with its collected output and a promise of its exit. */
export interface Child {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Compiles a TypeScript entry once with tsx's own compiler (esbuild) into one ESM file: a child
 * then starts in a fraction of tsx's per-process load time, which lets the crash test run many
 * more real processes within its time budget on a busy 2-core machine.
 */
export async function compileWithTsxEsbuild(script: string, outfile: string): Promise<string> {
  const fromTsx = createRequire(require.resolve('tsx/package.json'));
  const esbuild = (await import(fromTsx.resolve('esbuild'))) as { build(options: Record<string, unknown>): Promise<unknown> };
  // Prefer ESM builds: a UMD main (jsonc-parser's) does dynamic requires that an ESM bundle cannot do.
  await esbuild.build({ entryPoints: [script], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning', mainFields: ['module', 'main'] });
  return outfile;
}

/** Spawns `node --import tsx <script> ...args` (or plain node for a compiled .mjs). */
export function spawnTs(script: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Child {
  const runner = script.endsWith('.mjs') ? [script] : ['--import', TSX_LOADER, script];
  const child = spawn(process.execPath, [...runner, ...args], {
    env: { ...process.env, ...env },
    cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('ready\n')) markReady();
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      markReady();
      resolve({ code, signal });
    }),
  );
  return { process: child, stdout: () => out, stderr: () => err, ready, exited };
}
