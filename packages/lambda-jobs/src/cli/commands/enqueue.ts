import type { EnqueueOptions } from '../../runtime/job-client.ts';
import { EXIT } from '../cli-errors.ts';
import { type Command, printJson } from '../command-context.ts';
import { parseDelayFlag, parsePayloadFlag } from '../flag-values.ts';

/**
 * `lambda-jobs enqueue TYPE [--payload JSON] [--delay S] [--queue Q]`: prints the job id.
 *
 * @example `lambda-jobs enqueue webhook --payload '{"url":"https://example.com/hook","body":{}}' --delay 60`
 */
export const enqueueCommand: Command = async ({ io, json, flags, args, target }) => {
  const type = args[0]!;
  const payload = flags.payload !== undefined ? parsePayloadFlag(flags.payload) : {};
  const options: EnqueueOptions = {
    ...(flags.delay !== undefined ? { delay: parseDelayFlag(flags.delay) } : {}),
    ...(flags.queue !== undefined ? { queue: flags.queue } : {}),
  };
  const { admin } = await target();
  const id = await admin.enqueue(type, payload, options);
  if (json) {
    printJson(io, { id, enqueued: id !== null });
    return EXIT.ok;
  }
  io.stdout.write(
    id === null
      ? `Not enqueued: a job with the same concurrency key is waiting or running, or the job type's shouldEnqueue said no.\n`
      : `${id}\n`,
  );
  if (id !== null) io.stderr.write(`Enqueued ${type} as job ${id}.\n`);
  return EXIT.ok;
};
