import { mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOdtError } from '@odt/cli-kit';
import { listDir } from './durable-fs.ts';
import { cleanLeftovers, isLeftover } from './registry-cleanup.ts';
import { emptyIndex } from './registry-index-store.ts';
import { acquireRegistryLock, LOCK_FILE } from './registry-lock.ts';
import { compileWithTsxEsbuild, spawnTs, type Child } from './testing/child-process.ts';
import { tempDir } from './testing/stage-fixtures.ts';

// Real processes race for one registry lock; each marks its critical section with an O_EXCL
// file, so two holders at once show up as OVERLAP whatever the timing.
const LOCK_CHILD = fileURLToPath(new URL('./testing/lock-holder-child.ts', import.meta.url));
const NEVER_STALE = 600_000;
let root: string;
let childScript: string;
let round = 0;

beforeAll(async () => {
  root = await tempDir('lock');
  childScript = await compileWithTsxEsbuild(LOCK_CHILD, join(root, 'lock-holder-child.mjs'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A fresh registry folder and marker folder per scenario. */
async function scenario(): Promise<{ registry: string; markers: string }> {
  round += 1;
  const registry = join(root, `registry-${round}`);
  const markers = join(root, `markers-${round}`);
  await mkdir(registry);
  await mkdir(markers);
  return { registry, markers };
}

function startHolder(registry: string, markers: string, staleAfterMs: number, hold: string): Child {
  return spawnTs(childScript, [registry, markers, String(staleAfterMs), hold]);
}

/** Resolves once the child printed a line matching `pattern`; fails if it exits first. */
async function untilOutput(child: Child, pattern: RegExp): Promise<void> {
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (!pattern.test(child.stdout())) {
    if (exited) throw new Error(`child exited before printing ${pattern}: ${child.stdout()} ${child.stderr()}`);
    await sleep(20);
  }
}

async function go(children: Child[]): Promise<void> {
  await Promise.all(children.map((child) => child.ready));
  for (const child of children) child.process.stdin!.write('go\n');
}

async function holderFiles(registry: string): Promise<Array<{ name: string; pid: number }>> {
  const dir = join(registry, LOCK_FILE);
  const names = await readdir(dir);
  return Promise.all(names.map(async (name) => ({ name, pid: (JSON.parse(await readFile(join(dir, name), 'utf8')) as { pid: number }).pid })));
}

async function expectAllCommittedAlone(children: Child[]): Promise<void> {
  const exits = await Promise.all(children.map((child) => child.exited));
  children.forEach((child, i) => {
    expect(exits[i], child.stderr()).toEqual({ code: 0, signal: null });
    expect(child.stdout(), 'two holders at once').not.toMatch(/OVERLAP/);
    expect(child.stdout()).toMatch(/committed\n/);
  });
}

describe('registry lock across processes', () => {
  it('concurrent acquirers in separate processes take turns, and leave nothing behind', async () => {
    const { registry, markers } = await scenario();
    const children = [1, 2, 3, 4].map(() => startHolder(registry, markers, NEVER_STALE, '150'));
    await go(children);
    await expectAllCommittedAlone(children);
    expect(await listDir(registry)).toEqual([]);
  });

  it('a SIGKILLed holder’s lock is broken by the next writer (its pid is gone; its stale period is 10 minutes)', async () => {
    const { registry, markers } = await scenario();
    const holder = startHolder(registry, markers, NEVER_STALE, 'forever');
    await go([holder]);
    await untilOutput(holder, /^locked /m);
    holder.process.kill('SIGKILL');
    await holder.exited;
    const lock = await acquireRegistryLock(registry, { timeoutMs: 20_000, staleAfterMs: NEVER_STALE });
    expect((await holderFiles(registry)).map((h) => h.pid)).toEqual([process.pid]);
    await lock.release();
    expect(await listDir(registry)).toEqual([]);
  });

  it('four breakers racing for a dead holder’s lock get it one at a time (3 rounds)', async () => {
    for (let i = 0; i < 3; i += 1) {
      const { registry, markers } = await scenario();
      const dead = startHolder(registry, markers, NEVER_STALE, 'forever');
      await mkdir(join(markers, 'breakers'));
      const breakers = [1, 2, 3, 4].map(() => startHolder(registry, join(markers, 'breakers'), NEVER_STALE, '100'));
      await go([dead]);
      await untilOutput(dead, /^locked /m);
      await Promise.all(breakers.map((child) => child.ready));
      dead.process.kill('SIGKILL');
      await dead.exited;
      await go(breakers);
      await expectAllCommittedAlone(breakers);
      expect(await listDir(registry)).toEqual([]);
    }
  });

  it('a live holder working for three stale periods keeps its lock: the heartbeat keeps it fresh', async () => {
    const { registry, markers } = await scenario();
    // 3 s: long enough that a loaded CI machine does not stall the holder's heartbeat that long.
    const holder = startHolder(registry, markers, 3_000, '9000');
    await go([holder]);
    await untilOutput(holder, /^locked /m);
    // This waiter honours the holder's 3 s stale period; without a heartbeat it would break in.
    const lock = await acquireRegistryLock(registry, { timeoutMs: 60_000 });
    const holderStillInside = await readFile(join(markers, 'inside')).then(() => true, () => false);
    await lock.release();
    await holder.exited;
    expect(holderStillInside, 'the waiter took the lock while the holder worked').toBe(false);
    expect(holder.stdout()).toMatch(/committed\nreleased\n/);
  });

  it('a holder frozen past its stale period loses the lock, fails before committing, and its release leaves the new lock alone', async () => {
    const { registry, markers } = await scenario();
    const holder = startHolder(registry, markers, 1_000, 'stdin');
    await go([holder]);
    await untilOutput(holder, /^locked /m);
    holder.process.kill('SIGSTOP');
    const lock = await acquireRegistryLock(registry, { timeoutMs: 30_000, staleAfterMs: 1_000 });
    holder.process.kill('SIGCONT');
    holder.process.stdin!.write('commit\n');
    expect(await holder.exited).toEqual({ code: 0, signal: null });
    expect(holder.stdout()).toMatch(/lost REGISTRY_LOCKED\nreleased\n/);
    await lock.assertHeld();
    expect((await holderFiles(registry)).map((h) => h.pid)).toEqual([process.pid]);
    await lock.release();
    expect(await listDir(registry)).toEqual([]);
  });

  it('a killed waiter’s candidate folder is a leftover that the next writer’s cleaner removes', async () => {
    const { registry, markers } = await scenario();
    const lock = await acquireRegistryLock(registry);
    const waiter = startHolder(registry, markers, NEVER_STALE, '0');
    await go([waiter]);
    while (!(await listDir(registry)).some((entry) => entry.startsWith(`${LOCK_FILE}.`))) await sleep(20);
    waiter.process.kill('SIGKILL');
    await waiter.exited;
    const debris = (await listDir(registry)).filter((entry) => entry !== LOCK_FILE);
    expect(debris.length).toBeGreaterThan(0);
    expect(debris.every(isLeftover)).toBe(true);
    expect((await cleanLeftovers(registry, emptyIndex())).sort()).toEqual(debris.sort());
    await lock.release();
    expect(await listDir(registry)).toEqual([]);
  });
});

describe('registry lock held from another host', () => {
  it('names its holder and how to remove it, and is broken only once its heartbeat stops for its stale period', async () => {
    const { registry } = await scenario();
    const dir = join(registry, LOCK_FILE);
    const file = join(dir, 'holder-0123abcd.json');
    await mkdir(dir);
    await writeFile(file, JSON.stringify({ pid: 1, host: 'build-agent-7', scope: 'x', since: '2025-01-01T00:00:00.000Z', token: '0123abcd', staleAfterMs: 2_000 }));
    const heartbeat = setInterval(() => void utimes(file, new Date(), new Date()).catch(() => undefined), 150);
    let error: unknown;
    try {
      // Longer than the holder's 2 s stale period: only its heartbeat keeps the lock from being broken.
      await acquireRegistryLock(registry, { timeoutMs: 5_000 });
    } catch (caught) {
      error = caught;
    } finally {
      clearInterval(heartbeat);
    }
    expect(isOdtError(error, 'REGISTRY_LOCKED')).toBe(true);
    const locked = error as Error & { suggestion: string; exitCode: number };
    expect(locked.exitCode).toBe(48);
    expect(locked.message).toContain('pid 1 on build-agent-7');
    expect(locked.suggestion).toContain(`rm -r ${dir}`);
    const lock = await acquireRegistryLock(registry, { timeoutMs: 20_000 });
    expect((await holderFiles(registry)).map((h) => h.pid)).toEqual([process.pid]);
    await lock.release();
  });
});
