// Public API of @odt/firebase-fakes: local stand-ins for Firebase ML, Cloud Storage and Google
// OAuth that the real firebase-admin and @google-cloud/storage clients talk to over real HTTP.
export * from './firebase-fakes.ts';
export * from './faults.ts';
export * from './service-account.ts';
export * from './ml-model-rules.ts';
export * from './crc32c.ts';
export type { FakeModel } from './ml-fake.ts';
export type { StoredObject } from './storage-model.ts';
