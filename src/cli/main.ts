// Entry point of the `tributary` command (bin/tributary.js imports the compiled file).

import { runCli } from './run.js';

try {
  const code = await runCli(process.argv.slice(2));
  if (code !== null) process.exitCode = code;
} catch (err) {
  // A bug, not a user error: say so in one line; TRIBUTARY_DEBUG=1 shows the stack.
  process.stderr.write(`tributary: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env.TRIBUTARY_DEBUG === '1' && err instanceof Error && err.stack !== undefined) process.stderr.write(`${err.stack}\n`);
  process.exitCode = 1;
}
