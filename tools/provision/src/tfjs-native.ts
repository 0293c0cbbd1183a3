import { access, copyFile, mkdir, readdir, rename, rm, symlink } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { execa } from 'execa';
import { OdtError } from '@odt/cli-kit';
import { VENV_DIR, WORKSPACE_ROOT, tfjsNodeDir } from './workspace-paths.ts';
import { stampMatches, writeStamp } from './stamp.ts';

/** Built addons kept across `npm ci` (git-ignored), keyed by what they were built against. */
const ADDON_CACHE_DIR = join(WORKSPACE_ROOT, '.cache', 'tfjs-node-addon');

/** N-API version tfjs-node's loader picks on Node >= 16 (highest in its package.json list). */
const NAPI_VERSION = 8;

export interface TensorflowWheel {
  dir: string;
  version: string;
}

/**
 * Locates TensorFlow inside the pinned venv. Its C library and headers come from the same
 * `tensorflow-cpu` wheel the converter runs, so training and conversion share one TensorFlow.
 */
export async function findTensorflowWheel(venvDir = VENV_DIR): Promise<TensorflowWheel> {
  const libDir = join(venvDir, 'lib');
  const pythons = (await readdir(libDir).catch(() => [])).filter((d) => d.startsWith('python'));
  for (const py of pythons) {
    const site = join(libDir, py, 'site-packages');
    const infos = (await readdir(site).catch(() => [])).filter((d) => /^tensorflow(_cpu)?-[\d.]+\.dist-info$/.test(d));
    const info = infos[0];
    if (info) return { dir: join(site, 'tensorflow'), version: info.replace(/^tensorflow(_cpu)?-/, '').replace('.dist-info', '') };
  }
  throw new OdtError('PROVISION_FAILED', 'the TensorFlow wheel is missing from python-bridge/.venv', {
    suggestion: 'Run `npx nx run provision:provision`; it installs tensorflow-cpu from python-bridge/requirements.lock first.',
  });
}

/** Files of the wheel the addon links against; checked before anything is built. */
const WHEEL_FILES = [
  'libtensorflow_cc.so.2',
  'libtensorflow_framework.so.2',
  'include/tensorflow/c/c_api.h',
  'include/tensorflow/c/eager/c_api.h',
  'include/tensorflow/core/platform/ctstring_internal.h',
];

/** The Node.js headers node-gyp compiles against; found locally because nodejs.org is not reachable. */
export async function findNodeHeaders(): Promise<string> {
  const candidates = [process.env.npm_config_nodedir, resolve(process.execPath, '../..')].filter(Boolean) as string[];
  for (const dir of candidates) {
    if (await exists(join(dir, 'include', 'node', 'node_api.h'))) return dir;
  }
  throw new OdtError('TOOLCHAIN_MISSING', 'Node.js headers (include/node/node_api.h) were not found next to the node binary', {
    context: { node: process.execPath, looked: candidates.join(', ') },
    suggestion: 'Install Node.js from the official tarball or a package that ships its headers (e.g. nodesource `nodejs`), or set npm_config_nodedir to a folder containing include/node.',
  });
}

/** Fails early, with what to install, when the C++ toolchain node-gyp needs is absent. */
export async function checkToolchain(): Promise<void> {
  const missing: string[] = [];
  for (const tool of ['g++', 'make', 'python3']) {
    const result = await execa(tool, ['--version'], { reject: false, timeout: 10_000 });
    if (result.exitCode !== 0 || result.failed) missing.push(tool);
  }
  if (missing.length > 0) {
    throw new OdtError('TOOLCHAIN_MISSING', `the native build of @tensorflow/tfjs-node needs ${missing.join(', ')}`, {
      suggestion: 'Install a C++ toolchain: Debian/Ubuntu `apt-get install build-essential python3`, Fedora `dnf install gcc-c++ make python3`.',
    });
  }
}

/**
 * Builds @tensorflow/tfjs-node's addon from source against the wheel's libtensorflow_cc and
 * puts it where tfjs-node's loader looks (lib/napi-v8/tfjs_binding.node). Skipped when the
 * stamp says it was built from the same TensorFlow for the same Node ABI.
 */
export async function ensureTfjsNative(log: (line: string) => void): Promise<{ tensorflowVersion: string; skipped: boolean }> {
  const pkg = tfjsNodeDir();
  const wheel = await findTensorflowWheel();
  const addon = join(pkg, 'lib', `napi-v${NAPI_VERSION}`, 'tfjs_binding.node');
  const stampPath = join(pkg, 'deps', '.provisioned.json');
  const wanted = { tensorflowVersion: wheel.version, wheelDir: relative(WORKSPACE_ROOT, wheel.dir), nodeAbi: process.versions.modules };
  if ((await exists(addon)) && (await stampMatches(stampPath, wanted))) return { tensorflowVersion: wheel.version, skipped: true };

  for (const file of WHEEL_FILES) {
    if (!(await exists(join(wheel.dir, file)))) {
      throw new OdtError('PROVISION_FAILED', `the TensorFlow ${wheel.version} wheel lacks ${file}`, {
        suggestion: 'Pin a tensorflow-cpu wheel that ships the C API (2.16-2.21 do) in python-bridge/requirements.in and regenerate the lock.',
      });
    }
  }
  // `npm ci` wipes node_modules; an addon built before for the same TensorFlow, Node ABI and
  // tfjs-node version is restored from the workspace cache instead of being compiled again.
  const tfjsVersion = (createRequire(join(WORKSPACE_ROOT, 'package.json'))('@tensorflow/tfjs-node/package.json') as { version: string }).version;
  const cached = join(ADDON_CACHE_DIR, `tfjs-node-${tfjsVersion}-tf-${wheel.version}-abi-${process.versions.modules}.node`);
  if (await exists(cached)) {
    await linkDeps(pkg, wheel.dir);
    await mkdir(dirname(addon), { recursive: true });
    await copyFile(cached, addon);
    await writeStamp(stampPath, wanted);
    log(`tfjs-native: restored tfjs_binding.node (TensorFlow ${wheel.version}) from .cache/`);
    return { tensorflowVersion: wheel.version, skipped: false };
  }
  await checkToolchain();
  const nodedir = await findNodeHeaders();

  log(`tfjs-native: building tfjs_binding.node against TensorFlow ${wheel.version} from python-bridge/.venv`);
  await linkDeps(pkg, wheel.dir);
  const gyp = join(dirname(createRequire(join(WORKSPACE_ROOT, 'package.json')).resolve('node-gyp/package.json')), 'bin', 'node-gyp.js');
  const build = await execa(
    process.execPath,
    [gyp, 'rebuild', `--nodedir=${nodedir}`, '--jobs=2', `--napi_build_version=${NAPI_VERSION}`, '--module_name=tfjs_binding', `--module_path=lib/napi-v${NAPI_VERSION}`],
    { cwd: pkg, reject: false, timeout: 15 * 60_000, stdin: 'ignore' },
  );
  if (build.exitCode !== 0) {
    const tail = `${build.stdout}\n${build.stderr}`.split('\n').filter((l) => /error|Error/.test(l)).slice(-12).join('\n');
    throw new OdtError('PROVISION_FAILED', 'building the tfjs-node native addon failed', {
      context: { tensorflow: wheel.version, output: tail || build.message },
      suggestion: 'Check the compiler output above; `npx nx run provision:provision --verbose` shows the full log. See README "Troubleshooting".',
    });
  }
  await mkdir(dirname(addon), { recursive: true });
  await copyFile(join(pkg, 'build', 'Release', 'tfjs_binding.node'), addon);
  await mkdir(ADDON_CACHE_DIR, { recursive: true });
  await copyFile(addon, `${cached}.tmp`);
  await rename(`${cached}.tmp`, cached);
  await rm(join(pkg, 'build'), { recursive: true, force: true });
  await writeStamp(stampPath, wanted);
  return { tensorflowVersion: wheel.version, skipped: false };
}

/**
 * deps/ as tfjs-node's binding.gyp expects it, made of relative symlinks into the wheel:
 * `-ltensorflow` resolves to libtensorflow_cc.so.2 (the wheel's C API library, SONAME
 * libtensorflow_cc.so.2), found at run time through the addon's rpath $ORIGIN/../../deps/lib.
 */
async function linkDeps(pkg: string, wheelDir: string): Promise<void> {
  const deps = join(pkg, 'deps');
  const lib = join(deps, 'lib');
  await rm(deps, { recursive: true, force: true });
  await mkdir(lib, { recursive: true });
  await symlink(relative(deps, join(wheelDir, 'include')), join(deps, 'include'));
  const links: Array<[string, string]> = [
    ['libtensorflow.so', 'libtensorflow_cc.so.2'],
    ['libtensorflow_cc.so.2', 'libtensorflow_cc.so.2'],
    ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
    ['libtensorflow_framework.so.2', 'libtensorflow_framework.so.2'],
  ];
  for (const [name, target] of links) await symlink(relative(lib, join(wheelDir, target)), join(lib, name));
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
