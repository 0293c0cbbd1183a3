// Public API of @odt/registry: the model:version draft, the folder registry (publish, channels,
// validation, recovery), pull from a folder or HTTP, and the read-only HTTP server.
export * from './versions.ts';
export * from './draft-manifest.ts';
export * from './version-rule.ts';
export * from './publish.ts';
export * from './channels.ts';
export * from './validate-registry.ts';
export * from './registry-source.ts';
export * from './pull.ts';
export * from './serve.ts';
export * from './signing-keys.ts';
export * from './workspace-paths.ts';
export { readIndex, INDEX_FILE } from './registry-index-store.ts';
export { acquireRegistryLock, LOCK_FILE } from './registry-lock.ts';
export { openRegistrySource } from './store/open-store.ts';
