import type { KeyObject } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OdtError, runCli } from '@odt/cli-kit';
import { fetchVerifiedVersion, loadSigningKey, loadTrustedKeys, openRegistrySource, publishToRegistry, resolveRegistryPath, type SigningKey } from '@odt/registry';

const TARGETS = ['local', 'firebase-ml', 'firebase-storage'] as const;
const REMOTE_OPTIONS = ['channel', 'bucket', 'project', 'service-account', 'display-name', 'report', 'timeout-ms', 'attempt-timeout-ms'] as const;

/**
 * The keys the version read back must verify with: the key that just signed it, plus any
 * configured public keys (MODEL_SIGNING_PUBLIC_KEY(_FILE)) for a version an earlier key signed
 * (an unchanged model after a key rotation). Without configuration nothing else is trusted.
 */
function trustedKeysFor(signingKey: SigningKey, env: NodeJS.ProcessEnv): KeyObject[] {
  const configured = env.MODEL_SIGNING_PUBLIC_KEY || env.MODEL_SIGNING_PUBLIC_KEY_FILE ? loadTrustedKeys(env) : [];
  return [signingKey.publicKey, ...configured];
}

// `nx run model:publish [--target=local|firebase-ml|firebase-storage]`: the registry (a folder or
// gs://bucket/prefix) is always written first (it is the source of truth: version rule, signature,
// channels); a remote target then mirrors exactly the version the registry holds for this content,
// read back through the registry's one reader (fetchVerifiedVersion) and handed over in process.
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
        'new-version': { type: 'boolean', default: false },
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
  // Remote options are checked before anything is written or sent (e.g. a display name the
  // service would refuse after the upload). firebase-admin is loaded only for remote targets.
  const remote = target === 'local' ? undefined : await import('@odt/publishers');
  if (remote && values['display-name'] !== undefined) remote.assertDisplayName(String(values['display-name']));
  const timeoutMs = remote?.parseMs('timeout-ms', values['timeout-ms'] as string | undefined);
  const attemptTimeoutMs = remote?.parseMs('attempt-timeout-ms', values['attempt-timeout-ms'] as string | undefined);
  const registry = resolveRegistryPath(values.registry as string | undefined);
  const bucket = (values.bucket as string | undefined) ?? process.env.FIREBASE_STORAGE_BUCKET;
  if (target === 'firebase-storage' && bucket && registry.startsWith(`gs://${bucket}/`)) {
    // The firebase-storage target copies a folder registry into `models/` of a bucket and moves an
    // unsigned pointer there; a registry that already lives in that bucket must not be mirrored onto itself.
    throw new OdtError('USAGE', `the registry ${registry} already lives in the bucket ${bucket}; mirroring it there with firebase-storage would overwrite its signed channel documents`, {
      suggestion: 'With MODEL_REGISTRY=gs://… publish with the default target; devices read that bucket registry directly.',
    });
  }
  const started = performance.now();
  const signingKey = await loadSigningKey();
  const result = await publishToRegistry({
    registry,
    draftDir: resolve(String(values.draft)),
    signingKey,
    name: values.name as string | undefined,
    version: values.version as string | undefined,
    newVersion: values['new-version'] === true,
  });
  const ms = Math.round(performance.now() - started);
  if (result.status === 'unchanged' && result.why === 'identical-inputs') {
    process.stdout.write(
      `publish: nothing to publish, retrained from the same inputs as ${result.name}@${result.version} (config, data, pipeline code, toolchain); ` +
        `the bytes differ only by this machine's numerics; pass --new-version to publish them anyway (${ms} ms)\n`,
    );
  } else if (result.status === 'unchanged') process.stdout.write(`publish: nothing to publish, the model is identical to ${result.name}@${result.version} (${ms} ms)\n`);
  else process.stdout.write(`publish: ${result.name}@${result.version} (${result.reason}, parent ${result.parentVersion ?? 'none'}, key ${result.keyId}) -> ${result.path} (${ms} ms)\n`);
  if (target === 'local' || !remote) return 0;

  // The version as a reader sees it: manifest.sig, every sha256 and model.sig proven again.
  const version = await fetchVerifiedVersion({
    source: await openRegistrySource(registry),
    name: result.name,
    selector: { version: result.version },
    trustedKeys: trustedKeysFor(signingKey, process.env),
  });
  // No forced exit afterwards: the publish session closes the one agent its clients use (in-flight
  // requests cancelled, every socket destroyed), so the process ends on its own.
  await remote.publishToRemote(target, version, {
    dryRun: values['dry-run'] as boolean,
    bucket: values.bucket as string | undefined,
    projectId: values.project as string | undefined,
    serviceAccountPath: values['service-account'] as string | undefined,
    displayName: values['display-name'] as string | undefined,
    channel: values.channel as string | undefined,
    reportPath: values.report as string | undefined,
    timeoutMs,
    ...(attemptTimeoutMs ? { retry: { attemptTimeoutMs } } : {}),
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
  });
  return 0;
});
