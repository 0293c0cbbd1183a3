// Public API of @odt/publishers: remote targets that mirror a registry version proven by the
// registry's one reader, fetchVerifiedVersion (Firebase ML, and Cloud Storage for Firebase, its
// migration path). publishToRemote is the in-process entry point.
export * from './publisher.ts';
export * from './create-publisher.ts';
export * from './firebase-ml/firebase-ml-publisher.ts';
export * from './firebase-ml/model-naming.ts';
export * from './firebase-storage/firebase-storage-publisher.ts';
export * from './firebase-storage/channel-pointer.ts';
export * from './registry/mirrored-version.ts';
export * from './publish-remote.ts';
export * from './credentials.ts';
export * from './retry.ts';
export * from './limits.ts';
export { LoopbackRoutingAgent, parseRoutes, ROUTES_ENV } from './transport/routing-agent.ts';
export { runPublishCommand, parseMs, USAGE } from './cli/publish-command.ts';
export * from './remote-errors.ts';
export * from './publish-run.ts';
export { SessionAgent } from './transport/routing-agent.ts';
