import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { OdtError, runCli } from '@odt/cli-kit';
import { loadSigningKey, publishToRegistry, resolveRegistryPath } from '@odt/registry';

const TARGETS = ['local', 'firebase-ml', 'firebase-storage'] as const;
const REMOTE_OPTIONS = ['channel', 'bucket', 'project', 'service-account', 'display-name', 'report'] as const;

// `nx run model:publish [--target=local|firebase-ml|firebase-storage]`: the local registry is
// always written first (it is the source of truth: version rule, signature, channels); a remote
// target then mirrors exactly the version the registry holds for this content.
await runCli(async () => {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        target: { type: 'string', default: process.env.MODEL_PUBLISH_TARGET ?? 'local' },
        draft: { type: 'string', default: 'out/model/version' },
        registry: { type: 'string' },
        name: { type: 'string' },
        version: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        ...Object.fromEntries(REMOTE_OPTIONS.map((o) => [o, { type: 'string' as const }])),
      },
      strict: true,
    }));
  } catch (cause) {
    throw new OdtError('USAGE', (cause as Error).message, { suggestion: `model:publish takes --target=${TARGETS.join('|')} --registry --name --version --dry-run, and for remote targets --${REMOTE_OPTIONS.join(' --')} (README "Publishing to Firebase").` });
  }
  const target = String(values.target);
  if (!(TARGETS as readonly string[]).includes(target)) {
    throw new OdtError('USAGE', `unknown publish target "${target}"`, { suggestion: `Use --target=${TARGETS.join(', --target=')}.` });
  }
  const registry = resolveRegistryPath(values.registry as string | undefined);
  const started = performance.now();
  const result = await publishToRegistry({
    registry,
    draftDir: resolve(String(values.draft)),
    signingKey: await loadSigningKey(),
    name: values.name as string | undefined,
    version: values.version as string | undefined,
  });
  const ms = Math.round(performance.now() - started);
  if (result.status === 'unchanged') process.stdout.write(`publish: nothing to publish, the model is identical to ${result.name}@${result.version} (${ms} ms)\n`);
  else process.stdout.write(`publish: ${result.name}@${result.version} (${result.reason}, parent ${result.parentVersion ?? 'none'}, key ${result.keyId}) -> ${result.path} (${ms} ms)\n`);
  if (target === 'local') return 0;

  const remoteArgs = ['--target', target, '--registry', registry, '--name', result.name, '--version', result.version];
  for (const option of REMOTE_OPTIONS) if (typeof values[option] === 'string') remoteArgs.push(`--${option}`, values[option] as string);
  if (values['dry-run']) remoteArgs.push('--dry-run');
  // Loaded only for remote targets: firebase-admin is heavy and a local no-op publish must be quick.
  const { runPublishCommand } = await import('@odt/publishers');
  const code = await runPublishCommand(remoteArgs, { out: (line) => process.stdout.write(`${line}\n`), env: process.env });
  // A request abandoned after a timeout may still hold a socket; never hang the pipeline on it.
  setTimeout(() => process.exit(), 2000).unref();
  return code;
});
