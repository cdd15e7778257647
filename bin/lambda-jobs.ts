/**
 * `npx lambda-jobs <command>`: operate queues and jobs in dev mode or a deployed stack.
 * `npx lambda-jobs help` lists the commands; see bin/cli/main.ts.
 */
import { processIo } from './cli/cli-io.ts';
import { main } from './cli/main.ts';

process.exitCode = await main(process.argv.slice(2), processIo());
