import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { OdtError, runCli } from '@odt/cli-kit';
import type { VersionSelector } from '../pull.ts';
import { resolveRegistryPath } from '../workspace-paths.ts';

// Each subcommand imports only what it uses: a no-change publish must start fast.
const load = {
  channels: () => import('../channels.ts'),
  draft: () => import('../draft-manifest.ts'),
  publish: () => import('../publish.ts'),
  pull: () => import('../pull.ts'),
  store: () => import('../store/open-store.ts'),
  serve: () => import('../serve.ts'),
  keys: () => import('../signing-keys.ts'),
  validate: () => import('../validate-registry.ts'),
};

const USAGE = `usage: main.ts <subcommand> [options]
  version  --train DIR --convert DIR --verify DIR --out DIR      write the draft manifest stage
  publish  --draft DIR [--registry DIR|gs://BUCKET/PREFIX] [--name N] [--version X.Y.Z] [--new-version]
  refresh  [--registry DIR|gs://BUCKET/PREFIX]                   re-sign every channel document (new expiry)
  promote  <version> --channel latest|stable|canary [--name N] [--registry DIR]
  rollback --channel latest|stable|canary [--name N] [--registry DIR]
  pull     --name N (--range R | --channel C | --version X.Y.Z) --dest DIR [--from DIR|URL] [--public-key PEM] [--force]
           --dest must be absent, empty or an earlier pull of the same model; --force replaces
           a file or foreign folder there (never a registry)
  pull     --list [--from DIR|URL]
  serve    [--port N] [--host 127.0.0.1] [--registry DIR]
  validate [--registry DIR] [--public-key PEM] [--no-signatures]
env: MODEL_REGISTRY, MODEL_SIGNING_KEY(_FILE), MODEL_SIGNING_PUBLIC_KEY(_FILE), MODEL_SIGNING_REQUIRE_KEY=1`;

const DEFAULT_MODEL = 'digits';

function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>, positionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean' } }, allowPositionals: positionals > 0, strict: true });
  } catch (cause) {
    throw new OdtError('USAGE', (cause as Error).message, { context: { usage: USAGE } });
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return null;
  }
  if (parsed.positionals.length > positionals) throw new OdtError('USAGE', `unexpected argument ${parsed.positionals[positionals]}`);
  return parsed as { values: Record<string, string | boolean | undefined>; positionals: string[] };
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.length === 0) throw new OdtError('USAGE', `--${name} is required`, { context: { usage: USAGE } });
  return value;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const say = (line: string) => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`note: ${line}\n`);

/** The registry CLI; each subcommand parses its options and calls one library function. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'version': {
      const p = parse(rest, { train: { type: 'string' }, convert: { type: 'string' }, verify: { type: 'string' }, out: { type: 'string' } });
      if (!p) return 0;
      const dirs = { train: resolve(required(p.values, 'train')), convert: resolve(required(p.values, 'convert')), verify: resolve(required(p.values, 'verify')) };
      const { writeDraftStage } = await load.draft();
      const draft = await writeDraftStage(dirs, resolve(required(p.values, 'out')));
      say(`draft manifest written: ${draft.files.length} files, contentHash ${draft.contentHash.slice(0, 12)}, contractHash ${draft.contractHash.slice(0, 12)}`);
      return 0;
    }
    case 'publish': {
      const p = parse(rest, {
        draft: { type: 'string' },
        registry: { type: 'string' },
        name: { type: 'string' },
        version: { type: 'string' },
        'new-version': { type: 'boolean' },
      });
      if (!p) return 0;
      const registry = resolveRegistryPath(str(p.values.registry));
      const [{ publishToRegistry }, { loadSigningKey }] = await Promise.all([load.publish(), load.keys()]);
      const started = performance.now();
      const result = await publishToRegistry({
        registry,
        draftDir: resolve(required(p.values, 'draft')),
        signingKey: await loadSigningKey(),
        name: str(p.values.name),
        version: str(p.values.version),
        newVersion: p.values['new-version'] === true,
      });
      const ms = Math.round(performance.now() - started);
      if (result.status === 'unchanged' && result.why === 'identical-inputs') {
        say(
          `nothing to publish: retrained from the same inputs as ${result.name}@${result.version} (config, data, pipeline code, toolchain); ` +
            `the bytes differ only by this machine's numerics. Pass --new-version to publish them anyway (${ms} ms)`,
        );
      } else if (result.status === 'unchanged') say(`nothing to publish: the model is identical to ${result.name}@${result.version} (${ms} ms)`);
      else say(`published ${result.name}@${result.version} (${result.reason}, parent ${result.parentVersion ?? 'none'}, key ${result.keyId}) to ${result.path} (${ms} ms)`);
      return 0;
    }
    case 'promote': {
      const p = parse(rest, { channel: { type: 'string' }, name: { type: 'string' }, registry: { type: 'string' } }, 1);
      if (!p) return 0;
      const version = p.positionals[0];
      if (!version) throw new OdtError('USAGE', 'promote needs the version to promote', { context: { usage: USAGE } });
      const name = str(p.values.name) ?? DEFAULT_MODEL;
      const [{ promote }, { loadSigningKey }] = await Promise.all([load.channels(), load.keys()]);
      const moved = await promote(resolveRegistryPath(str(p.values.registry)), name, version, required(p.values, 'channel'), await loadSigningKey());
      say(`${name} ${str(p.values.channel)}: ${moved.from ?? 'none'} -> ${moved.to}`);
      return 0;
    }
    case 'refresh': {
      const p = parse(rest, { registry: { type: 'string' } });
      if (!p) return 0;
      const [{ refreshChannels }, { loadSigningKey }] = await Promise.all([load.channels(), load.keys()]);
      const written = await refreshChannels(resolveRegistryPath(str(p.values.registry)), await loadSigningKey());
      say(`re-signed ${written.length} channel document(s): ${written.join(', ') || 'none'}`);
      return 0;
    }
    case 'rollback': {
      const p = parse(rest, { channel: { type: 'string' }, name: { type: 'string' }, registry: { type: 'string' } });
      if (!p) return 0;
      const name = str(p.values.name) ?? DEFAULT_MODEL;
      const [{ rollback }, { loadSigningKey }] = await Promise.all([load.channels(), load.keys()]);
      const moved = await rollback(resolveRegistryPath(str(p.values.registry)), name, required(p.values, 'channel'), await loadSigningKey());
      say(`${name} ${str(p.values.channel)}: ${moved.from ?? 'none'} -> ${moved.to} (rolled back)`);
      return 0;
    }
    case 'pull': {
      const p = parse(rest, {
        name: { type: 'string' },
        range: { type: 'string' },
        channel: { type: 'string' },
        version: { type: 'string' },
        dest: { type: 'string' },
        from: { type: 'string' },
        list: { type: 'boolean' },
        'public-key': { type: 'string' },
        force: { type: 'boolean' },
      });
      if (!p) return 0;
      const [{ openRegistrySource }, { listRegistry, pullVersion }, { loadTrustedKeys }] = await Promise.all([load.store(), load.pull(), load.keys()]);
      const from = str(p.values.from) ?? resolveRegistryPath(undefined);
      const source = await openRegistrySource(from);
      if (p.values.list) {
        for (const model of await listRegistry(source)) {
          const channels = Object.entries(model.channels).map(([k, v]) => `${k}=${v ?? '-'}`).join(' ');
          say(`${model.name}: ${model.versions.join(', ') || '(no versions)'}  [${channels}]`);
        }
        return 0;
      }
      const given = (['range', 'channel', 'version'] as const).filter((k) => typeof p.values[k] === 'string');
      if (given.length > 1) throw new OdtError('USAGE', 'give only one of --range, --channel, --version');
      const key = given[0];
      const selector: VersionSelector = key === undefined ? { channel: 'latest' } : ({ [key]: p.values[key] } as VersionSelector);
      // Check the user's input before anything touches keys or the network.
      if ('range' in selector) (await import('../versions.ts')).parseRange(selector.range);
      const result = await pullVersion({
        source,
        name: str(p.values.name) ?? DEFAULT_MODEL,
        selector,
        dest: resolve(required(p.values, 'dest')),
        trustedKeys: loadTrustedKeys(process.env, { publicKeyFile: str(p.values['public-key']), notice: warn }),
        sourceRoot: /^(https?|gs):\/\//i.test(from) ? undefined : resolve(from),
        force: p.values.force === true,
      });
      say(`pulled ${result.name}@${result.version} (signature ${result.keyId} ok, ${result.files.length} files sha256 ok) into ${result.dest}`);
      return 0;
    }
    case 'serve': {
      const p = parse(rest, { port: { type: 'string' }, host: { type: 'string' }, registry: { type: 'string' } });
      if (!p) return 0;
      const port = Number(str(p.values.port) ?? '8787');
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new OdtError('USAGE', `--port ${String(p.values.port)} is not a port number`);
      const root = resolveRegistryPath(str(p.values.registry));
      if (root.startsWith('gs://')) {
        throw new OdtError('USAGE', `serve serves a folder registry; ${root} is a bucket`, {
          suggestion: 'Devices and pull read a bucket registry directly (pull --from gs://…); serve is for a folder registry.',
        });
      }
      const { serveRegistry } = await load.serve();
      const served = await serveRegistry({ root, port, host: str(p.values.host) }).catch((cause) => {
        throw new OdtError('USAGE', `cannot serve ${root} on port ${port}: ${(cause as Error).message}`, { cause });
      });
      say(`serving ${root} read-only at ${served.url} (Ctrl-C to stop)`);
      await new Promise<void>((done) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void served.close().then(done));
      });
      return 0;
    }
    case 'validate': {
      const p = parse(rest, { registry: { type: 'string' }, 'public-key': { type: 'string' }, 'no-signatures': { type: 'boolean' } });
      if (!p) return 0;
      const root = resolveRegistryPath(str(p.values.registry));
      const [{ validateRegistry }, { loadTrustedKeys }] = await Promise.all([load.validate(), load.keys()]);
      let trustedKeys: ReturnType<typeof loadTrustedKeys> | undefined;
      if (!p.values['no-signatures']) {
        try {
          trustedKeys = loadTrustedKeys(process.env, { publicKeyFile: str(p.values['public-key']), notice: warn });
        } catch (error) {
          if (!(error instanceof OdtError && error.code === 'SIGNING_KEY_MISSING')) throw error;
          process.stderr.write('warning: no public key configured, signatures not checked (set MODEL_SIGNING_PUBLIC_KEY)\n');
        }
      }
      const report = await validateRegistry(root, { trustedKeys });
      for (const warning of report.warnings) process.stderr.write(`warning: ${warning}\n`);
      if (!report.ok) {
        throw new OdtError('REGISTRY_CORRUPT', `the registry has ${report.errors.length} problem(s)`, { context: { registry: root, problems: report.errors.slice(0, 20) } });
      }
      say(`registry ${root} is valid: ${report.versions} version(s)`);
      return 0;
    }
    case '--help':
    case 'help':
      say(USAGE);
      return 0;
    case undefined:
      throw new OdtError('USAGE', 'a subcommand is required', { context: { usage: USAGE } });
    default:
      throw new OdtError('USAGE', `unknown subcommand "${command}"`, { context: { usage: USAGE } });
  }
}

// Run only when executed (`tsx libs/registry/src/cli/main.ts ...`), not when a test imports main().
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  await runCli(() => main(process.argv.slice(2)));
}
