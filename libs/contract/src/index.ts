// Public API of @odt/contract: schemas and pure helpers shared by every stage. No runtime
// dependencies beyond zod and node:crypto, so any stage (and the tests) can import it cheaply.
export * from './signature-contract.ts';
export * from './build-signature-contract.ts';
export * from './model-config.ts';
export * from './canonical-json.ts';
export * from './format-issues.ts';
export * from './manifest.ts';
export * from './manifest-hashes.ts';
export * from './manifest-signing.ts';
export * from './model-signing.ts';
export * from './registry-index.ts';
export * from './strict-json.ts';
export * from './channel-document.ts';
