import { runCli } from '@odt/cli-kit';
import { runPublishCommand } from './publish-command.ts';

// Entry point for `npx nx run model:publish --target=...`: one edge for errors and exit codes.
await runCli(() => runPublishCommand(process.argv.slice(2), { out: (s) => process.stdout.write(`${s}\n`), env: process.env }));
// A request abandoned after a timeout may still hold a socket; never hang the pipeline on it.
setTimeout(() => process.exit(), 2000).unref();
