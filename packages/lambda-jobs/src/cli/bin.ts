/**
 * `npx lambda-jobs <command>`: operate queues and jobs in dev mode or a deployed stack.
 * `npx lambda-jobs help` lists the commands; see main.ts.
 */
import { processIo } from './cli-io.ts';
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2), processIo());
