import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { EXIT_CODES, OdtError, type ErrorCode } from '@odt/cli-kit';
import { BRIDGE_DIR, VENV_PYTHON } from '@odt/provision';
import { isToolchainNoise, lineSplitter } from './stderr-lines.ts';

export type BridgeCommand = 'convert' | 'verify' | 'op-report' | 'export-saved-model' | 'bench-interpreter' | 'bench-keras' | 'bench-pretrained' | 'env';

export interface BridgeOptions {
  timeoutMs?: number;
  /**
   * Receives the bridge's stderr line by line, without TensorFlow's and LiteRT's start-up chatter
   * unless `debug`.
   */
  onLog?: (line: string) => void;
  python?: string;
  /**
   * Show everything TensorFlow logs (TF_CPP_MIN_LOG_LEVEL=0 unless set, the start-up lines
   * passed to onLog) and let the bridge print tracebacks. Default: ODT_DEBUG is set.
   */
  debug?: boolean;
}

interface BridgeFailure {
  ok: false;
  error: { code: string; message: string; context?: Record<string, unknown>; suggestion?: string };
}

/**
 * Runs one command of the pinned Python bridge (`python -m odt_bridge <command> --request f`)
 * with an argument array, an explicit environment and a timeout. The bridge answers with one
 * JSON object on stdout; its errors come back as OdtError with the same code and exit status
 * the TypeScript side documents, with the bridge's stderr tail attached when it crashed.
 */
export async function callBridge<T extends Record<string, unknown>>(command: BridgeCommand, request: Record<string, unknown> | null, options: BridgeOptions = {}): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'odt-bridge-'));
  try {
    const args = ['-m', 'odt_bridge', command];
    if (request !== null) {
      const requestPath = join(dir, 'request.json');
      await writeFile(requestPath, JSON.stringify(request));
      args.push('--request', requestPath);
    }
    const debug = options.debug ?? Boolean(process.env.ODT_DEBUG);
    const child = execa(options.python ?? VENV_PYTHON, args, {
      cwd: BRIDGE_DIR,
      reject: false,
      timeout: options.timeoutMs ?? 30 * 60_000,
      stdin: 'ignore',
      env: {
        PYTHONPATH: BRIDGE_DIR,
        // 2 hides TensorFlow's info and warning lines and keeps its errors; an explicit setting wins.
        TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? (debug ? '0' : '2'),
        ODT_DEBUG: debug ? '1' : '',
        PYTHONUNBUFFERED: '1',
      },
      lines: false,
    });
    // Every line is kept for the crash context below; only the stage's own lines reach onLog.
    const stderrLines: string[] = [];
    const splitter = lineSplitter((line) => {
      stderrLines.push(line);
      if (stderrLines.length > 200) stderrLines.shift();
      if (debug || !isToolchainNoise(line)) options.onLog?.(line);
    });
    child.stderr?.on('data', (chunk: Buffer) => splitter.push(chunk));
    const result = await child;
    splitter.end();
    const stderrTail = stderrLines.slice(-20).join('\n');
    if (result.timedOut) {
      throw new OdtError('CONVERSION_FAILED', `the Python bridge's ${command} did not finish within ${(options.timeoutMs ?? 1_800_000) / 1000}s`, { context: { stderr: stderrTail } });
    }
    let payload: T | BridgeFailure;
    try {
      payload = JSON.parse(String(result.stdout).trim().split('\n').pop() ?? '') as T | BridgeFailure;
    } catch {
      const missing = result.exitCode === undefined || /ENOENT|No module named/.test(`${result.message} ${stderrTail}`);
      throw new OdtError(missing ? 'PROVISION_FAILED' : 'INTERNAL', `the Python bridge's ${command} exited with ${result.exitCode ?? result.signal} without a JSON answer`, {
        context: { stderr: stderrTail || result.message },
        suggestion: missing ? 'Run `npx nx run provision:provision` to create python-bridge/.venv.' : EXIT_CODES.INTERNAL.help,
      });
    }
    if (payload.ok === false) {
      const failure = payload as BridgeFailure;
      const code = (failure.error.code in EXIT_CODES ? failure.error.code : 'INTERNAL') as ErrorCode;
      throw new OdtError(code, failure.error.message, { context: failure.error.context ?? {}, ...(failure.error.suggestion ? { suggestion: failure.error.suggestion } : {}) });
    }
    return payload as T;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
