import type { CircuitView } from '../../runtime/circuit/circuit-admin.ts';
import type { CircuitPosition } from '../../runtime/circuit/circuit-ports.ts';
import { EXIT } from '../cli-errors.ts';
import { type Command, printJson } from '../command-context.ts';
import { formatTable } from '../text-table.ts';

/**
 * The circuits as a table: one row per job type with a circuit breaker.
 *
 * @example `io.stdout.write(circuitTable(await circuits.list()))`
 */
export function circuitTable(circuits: readonly CircuitView[]): string {
  return formatTable(circuits, [
    { heading: 'JOB TYPE', cell: (c) => c.type },
    { heading: 'CIRCUIT', cell: (c) => c.state.toUpperCase() },
    { heading: 'MODE', cell: (c) => c.mode ?? '-' },
    { heading: 'OPENED', cell: (c) => (c.state === 'closed' ? '-' : (c.openedAt ?? '-')) },
    {
      heading: 'PROBE AFTER',
      cell: (c) => (c.state === 'closed' ? '-' : (c.probeAfter ?? 'manual')),
    },
    {
      heading: 'FAILED',
      cell: (c) => (c.attempts === undefined ? '-' : `${c.failures ?? 0}/${c.attempts}`),
    },
    {
      heading: 'OPENS AT',
      cell: (c) =>
        `${Math.round(c.settings.failureRate * 100)}% of ${c.settings.minAttempts} in ${c.settings.windowSeconds}s`,
    },
  ]);
}

/**
 * `lambda-jobs circuits`: the circuit of every job type with a circuit breaker (JSON:
 * `{ circuits: CircuitView[] }`).
 *
 * @example `lambda-jobs circuits --stack shop --json`
 */
export const circuitsCommand: Command = async ({ io, json, target }) => {
  const circuits = await (await target()).circuits.list();
  if (json) printJson(io, { circuits });
  else if (circuits.length === 0) {
    io.stdout.write(
      'No job type has a circuit breaker (circuitBreakers in lambda-jobs.config.ts).\n',
    );
  } else io.stdout.write(circuitTable(circuits));
  return EXIT.ok;
};

/**
 * `lambda-jobs circuits open|close TYPE`: an operator's override. Open holds the type's jobs
 * (no attempt spent) until closed by hand, with no probe; close lets them run at once.
 *
 * @example `lambda-jobs circuits open send-email --stack shop`
 */
export function circuitSetCommand(position: CircuitPosition): Command {
  return async ({ io, json, args, target }) => {
    const type = args[0]!;
    const circuit = await (await target()).circuits.set(type, position);
    if (json) {
      printJson(io, { circuit });
      return EXIT.ok;
    }
    io.stdout.write(
      position === 'open'
        ? `Circuit of ${type} is open: its jobs are held (no attempt spent) until you close it: lambda-jobs circuits close ${type}. Workers see it within 2 s.\n`
        : `Circuit of ${type} is closed: its jobs run again (held ones when their delay ends, at most ${circuit.settings.coolDownSeconds + 5} s).\n`,
    );
    return EXIT.ok;
  };
}
