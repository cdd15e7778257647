import { LambdaJobsError } from '../packages/lambda-jobs/src/runtime/errors.ts';

/** The benchmarks `npm run bench` knows, in the order it runs them. */
export const BENCHMARKS = ['cost', 'throughput', 'store-writes', 'cold-start', 'monitor'] as const;
/** One benchmark's name, as `--only` takes it. */
export type BenchmarkName = (typeof BENCHMARKS)[number];

/** What a bench run does; every field has a default. */
export interface BenchArgs {
  readonly only: readonly BenchmarkName[];
  /** Jobs per contender at each payload size of the cost benchmark. */
  readonly jobs: number;
  /** Payload sizes of the cost benchmark, bytes of payload JSON. */
  readonly payloadSizes: readonly number[];
  /** Jobs per throughput drain. */
  readonly throughputJobs: number;
  /**
   * Throughput rounds (each contender once per round, in the balanced order of `roundOrder`,
   * which a multiple of `BALANCED_ROUNDS`, 10, completes); the median is reported.
   */
  readonly rounds: number;
  /** Fresh processes per bundle for the cold-start median. */
  readonly coldStartRuns: number;
  /** Latency injected into every monitor API call, ms. */
  readonly latencyMs: number;
  readonly queueCounts: readonly number[];
  readonly help: boolean;
}

/** What `npm run bench` does with no options: everything, at the sizes the issue asks for. */
export const DEFAULT_ARGS: BenchArgs = {
  only: BENCHMARKS,
  jobs: 10_000,
  payloadSizes: [100, 2048, 32_768],
  throughputJobs: 2_000,
  rounds: 10,
  coldStartRuns: 20,
  latencyMs: 20,
  queueCounts: [1, 10, 100, 500],
  help: false,
};

/** The `--help` text. */
export const USAGE = `Usage: npm run bench -- [options]

  --only <names>          comma-separated: ${BENCHMARKS.join(', ')} (default: all)
  --jobs <n>              jobs per contender and payload size in the cost run (default ${DEFAULT_ARGS.jobs})
  --payloads <list>       cost payload sizes in bytes (default ${DEFAULT_ARGS.payloadSizes.join(',')})
  --throughput-jobs <n>   jobs per throughput drain, writes per store-write form (default ${DEFAULT_ARGS.throughputJobs})
  --rounds <n>            throughput rounds, median reported (default ${DEFAULT_ARGS.rounds}: every order balanced)
  --cold-start-runs <n>   fresh processes per bundle (default ${DEFAULT_ARGS.coldStartRuns})
  --latency-ms <n>        latency per monitor API call (default ${DEFAULT_ARGS.latencyMs})
  --queues <list>         monitor queue counts (default ${DEFAULT_ARGS.queueCounts.join(',')})
  --help                  this text

Progress goes to stderr; the tables to stdout; bench/results.json gets everything.`;

function positiveInteger(flag: string, value: string | undefined, max: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < 1 || n > max) {
    throw new LambdaJobsError(
      `${flag} takes a whole number from 1 to ${max}; got ${value ?? 'nothing'}`,
    );
  }
  return n;
}

/**
 * Parses `npm run bench -- …` arguments. Throws a {@link LambdaJobsError} naming the flag and
 * what it takes.
 *
 * @example
 * ```ts
 * parseBenchArgs(['--only', 'cost', '--jobs', '2000']).jobs; // 2000
 * ```
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let args: BenchArgs = DEFAULT_ARGS;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const [name, inline] =
      flag.startsWith('--') && flag.includes('=') ? flag.split('=', 2) : [flag];
    const value = () => inline ?? argv[++i];
    switch (name) {
      case '--only': {
        const names = (value() ?? '').split(',').filter(Boolean);
        const unknown = names.filter((n) => !(BENCHMARKS as readonly string[]).includes(n));
        if (names.length === 0 || unknown.length > 0) {
          throw new LambdaJobsError(
            `--only takes a comma-separated list of ${BENCHMARKS.join(', ')}; got ${unknown.join(', ') || 'nothing'}`,
          );
        }
        args = { ...args, only: BENCHMARKS.filter((b) => names.includes(b)) };
        break;
      }
      case '--jobs':
        args = { ...args, jobs: positiveInteger('--jobs', value(), 1_000_000) };
        break;
      case '--throughput-jobs':
        args = {
          ...args,
          throughputJobs: positiveInteger('--throughput-jobs', value(), 1_000_000),
        };
        break;
      case '--rounds':
        args = { ...args, rounds: positiveInteger('--rounds', value(), 100) };
        break;
      case '--cold-start-runs':
        args = { ...args, coldStartRuns: positiveInteger('--cold-start-runs', value(), 1000) };
        break;
      case '--latency-ms':
        args = { ...args, latencyMs: positiveInteger('--latency-ms', value(), 10_000) };
        break;
      case '--payloads': {
        const raw = value();
        const sizes = (raw ?? '').split(',').map((n) => positiveInteger('--payloads', n, 250_000));
        args = { ...args, payloadSizes: sizes };
        break;
      }
      case '--queues': {
        const raw = value();
        const counts = (raw ?? '').split(',').map((n) => positiveInteger('--queues', n, 5000));
        args = { ...args, queueCounts: counts };
        break;
      }
      case '--help':
      case '-h':
        args = { ...args, help: true };
        break;
      default:
        throw new LambdaJobsError(`Unknown option ${flag}\n\n${USAGE}`);
    }
  }
  return args;
}
