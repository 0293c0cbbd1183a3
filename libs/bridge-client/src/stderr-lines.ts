import { StringDecoder } from 'node:string_decoder';

/**
 * Start-up chatter of TensorFlow and LiteRT that says nothing about the stage. Two of these lines
 * ignore TF_CPP_MIN_LOG_LEVEL (absl writes them before TensorFlow reads it): the
 * "All log messages before absl::InitializeLog()" banner and port.cc's "oneDNN custom operations
 * are on". Only info and warning lines match; TensorFlow's E/F lines and everything the bridge
 * itself writes pass.
 */
const TOOLCHAIN_NOISE: readonly RegExp[] = [
  /^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$/,
  // absl's format (before absl::InitializeLog the seconds are Unix time): I0000 00:00:1796048909.412891    4529 port.cc:153] ...
  /^[IW]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.-]+:\d+\] /,
  // TensorFlow's own format: 2026-01-02 03:04:05.678901: I tensorflow/core/util/port.cc:113] ...
  /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IW] [\w./-]+:\d+\] /,
  // cpu_feature_guard's second line
  /^To enable the following instructions: .* in other operations, rebuild TensorFlow with the appropriate compiler flags\.$/,
  // TFLite/LiteRT's minimal logger at INFO, e.g. "INFO: Created TensorFlow Lite XNNPACK delegate for CPU."
  /^INFO: /,
];

/** Whether a stderr line of the Python bridge is TensorFlow/LiteRT start-up chatter (shown only with ODT_DEBUG=1). */
export function isToolchainNoise(line: string): boolean {
  return TOOLCHAIN_NOISE.some((pattern) => pattern.test(line));
}

/**
 * Cuts a byte stream into whole lines: a line split across chunks (the bridge's stderr arrives in
 * pipe-sized pieces, and LiteRT writes "INFO: " and its message separately) is delivered once,
 * whole, and a multi-byte character split across chunks is decoded intact. Empty lines are dropped.
 */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer | string): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const emit = (text: string) => {
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (line.trim().length > 0) onLine(line);
  };
  return {
    push(chunk) {
      pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) emit(line);
    },
    end() {
      pending += decoder.end();
      if (pending) emit(pending);
      pending = '';
    },
  };
}
