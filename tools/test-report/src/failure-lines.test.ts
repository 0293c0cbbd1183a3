import { describe, expect, it } from 'vitest';
import { failureLines, stripAnsi } from './failure-lines.ts';

// Excerpts in the shape each tool prints them, as Nx streams them (project prefix, colours).
const VITEST = [
  '\x1b[1mregistry:\x1b[22m  \x1b[32m✓\x1b[39m src/versions.test.ts (32 tests) 23ms',
  '\x1b[1mregistry:\x1b[22m  \x1b[31m❯\x1b[39m src/bucket-registry.test.ts (4 tests | 1 failed) 25527ms',
  'registry:    × four concurrent publishers with different content get four versions 4001ms',
  'registry:  FAIL  src/bucket-registry.test.ts > a registry in a Cloud Storage bucket > four concurrent publishers',
  'registry: AssertionError: expected { code: 46, signal: null } to deeply equal { code: 0, signal: null }',
].join('\n');
const SUREFIRE = [
  '[INFO] Tests run: 5, Failures: 0, Errors: 0, Skipped: 0',
  '[ERROR] Tests run: 3, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 1.2 s <<< FAILURE! -- in dev.odt.core.ResolverTest',
  '[ERROR]   ResolverTest.refusesReplay:41 expected: <3> but was: <0>',
].join('\n');
const PYTEST = ['.....F..', 'FAILED odt_bridge/verify_test.py::test_parity - assert 0.1 < 1e-05', '1 failed, 92 passed in 40.1s'].join('\n');

describe('failureLines', () => {
  it('names the failing vitest file, test and reason, and skips the passing ones', () => {
    expect(failureLines(VITEST)).toEqual([
      'registry:    × four concurrent publishers with different content get four versions 4001ms',
      'registry:  FAIL  src/bucket-registry.test.ts > a registry in a Cloud Storage bucket > four concurrent publishers',
      'registry: AssertionError: expected { code: 46, signal: null } to deeply equal { code: 0, signal: null }',
    ]);
  });

  it('names failing Surefire and pytest tests, and tsc and eslint errors', () => {
    const lines = failureLines([SUREFIRE, PYTEST, "model: src/a.ts(3,7): error TS2322: Type 'string' is not assignable", 'lint:   12:5  error  no-unused-vars'].join('\n'));
    expect(lines).toEqual([
      '[ERROR] Tests run: 3, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 1.2 s <<< FAILURE! -- in dev.odt.core.ResolverTest',
      '[ERROR]   ResolverTest.refusesReplay:41 expected: <3> but was: <0>',
      'FAILED odt_bridge/verify_test.py::test_parity - assert 0.1 < 1e-05',
      "model: src/a.ts(3,7): error TS2322: Type 'string' is not assignable",
      'lint:   12:5  error  no-unused-vars',
    ]);
  });

  it('names a Kotlin compile error, a pytest collection error and our own CLIs\' error lines', () => {
    const log = [
      'android-sample: [ERROR] e: file:///repo/core/src/main/kotlin/Resolver.kt:12:5 Unresolved reference: foo',
      'python-bridge: ERROR odt_bridge/convert_test.py - ModuleNotFoundError: No module named x',
      'provision: error[PYTHON_VERSION] python3.11 was not found on PATH',
      'provision: [INFO] e: nothing',
    ].join('\n');
    expect(failureLines(log)).toEqual([
      'android-sample: [ERROR] e: file:///repo/core/src/main/kotlin/Resolver.kt:12:5 Unresolved reference: foo',
      'python-bridge: ERROR odt_bridge/convert_test.py - ModuleNotFoundError: No module named x',
      'provision: error[PYTHON_VERSION] python3.11 was not found on PATH',
    ]);
  });

  it('says nothing for a passing run, drops repeats and stops at the limit', () => {
    expect(failureLines('[INFO] Tests run: 5, Failures: 0\n ✓ src/a.test.ts (2 tests)\n1 passed')).toEqual([]);
    expect(failureLines(' FAIL  a\n FAIL  a\n FAIL  b\n FAIL  c', 2)).toEqual([' FAIL  a', ' FAIL  b']);
  });

  it('strips colour codes', () => {
    expect(stripAnsi('\x1b[31m×\x1b[39m x')).toBe('× x');
  });
});
