// Public API of @odt/publishers: remote targets that mirror a local registry version
// (Firebase ML, and Cloud Storage for Firebase, its migration path).
export * from './publisher.ts';
export * from './create-publisher.ts';
export * from './firebase-ml/firebase-ml-publisher.ts';
export * from './firebase-ml/model-naming.ts';
export * from './firebase-storage/firebase-storage-publisher.ts';
export * from './firebase-storage/channel-pointer.ts';
export * from './registry/registry-version.ts';
export * from './credentials.ts';
export * from './retry.ts';
export * from './limits.ts';
export { LoopbackRoutingAgent, parseRoutes, ROUTES_ENV } from './transport/routing-agent.ts';
export { runPublishCommand, USAGE } from './cli/publish-command.ts';
