/**
 * Picks the lines that say what failed out of a whole test run's log (Nx streaming vitest,
 * Maven Surefire, pytest, tsc and eslint output, interleaved, each line maybe
 * prefixed by its Nx project). A CI page often shows only the
 * end of a long log; these lines, printed last, name the failing test without scrolling back.
 */

// Each pattern matches a line that names a failure in one of the tools the suite runs.
const FAILURE_PATTERNS: readonly RegExp[] = [
  /\bFAIL\b/, // vitest: " FAIL  src/x.test.ts > suite > test"
  /(^|\s)[×✗]\s/, // vitest: a failed test in the tree
  /\b(AssertionError|TimeoutError)\b|Test timed out/, // vitest: the reason under a failed test
  /<<< (FAILURE|ERROR)!/, // Surefire: the failing test class or method
  /\[ERROR\] (Tests run:|Failures:|Errors:|\s+\S+:\d+ )/, // Surefire summary lines
  /\[ERROR\] e: /, // kotlinc through Maven: a compile error
  /(^|\s)(FAILED|ERROR) \S+(::|\.py\b)/, // pytest -q short summary, collection errors
  /\berror TS\d+:/, // tsc
  /\s\d+:\d+\s+error\s/, // eslint stylish
  /\berror\[[A-Z_]+\]/, // our own CLIs (provision, pipeline stages): error[CODE] message
];

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** Removes colour codes so the patterns see the words. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** The failure lines of `log`, in order, without repeats, at most `limit` of them. */
export function failureLines(log: string, limit = 60): string[] {
  const picked: string[] = [];
  const seen = new Set<string>();
  for (const raw of stripAnsi(log).split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (!FAILURE_PATTERNS.some((pattern) => pattern.test(line)) || seen.has(line)) continue;
    seen.add(line);
    picked.push(line.length > 400 ? `${line.slice(0, 400)}…` : line);
    if (picked.length === limit) break;
  }
  return picked;
}
