// Public API of @odt/cli-kit: errors as data, the one CLI edge, atomic writes.
export * from './exit-codes.ts';
export * from './odt-error.ts';
export * from './run-cli.ts';
export * from './atomic-write.ts';
export * from './parse-stage-args.ts';
