import { runCli } from '@odt/cli-kit';
import { runPublishCommand } from './publish-command.ts';

// Entry point for `npx nx run model:publish --target=...`: one edge for errors and exit codes.
await runCli(() => runPublishCommand(process.argv.slice(2), { out: (s) => process.stdout.write(`${s}\n`), env: process.env }));
// No forced exit: a publish session owns the one agent all its clients use and closes it (every
// socket destroyed, in-flight requests cancelled), so the process ends on its own.
