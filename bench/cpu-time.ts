import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** CPU time used so far by this process and, where found, by the DynamoDB Local JVM. */
export interface CpuSnapshot {
  /** This process: handlers, SDK clients, the event source and fauxqs. Microseconds. */
  readonly nodeUs: number;
  /** The DynamoDB Local child process (Linux /proc only). Microseconds. */
  readonly emulatorUs?: number;
}

/** Fields of /proc/<pid>/stat after the command name: state is [0], ppid [1], utime [11], stime [12]. */
function statFields(pid: string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function clockTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** CPU time of this process and DynamoDB Local: a snapshot, and what was used since one. */
export interface CpuClock {
  snapshot(): CpuSnapshot;
  since(before: CpuSnapshot): CpuSnapshot;
}

/**
 * Reads CPU time of this process and of its `java` child (DynamoDB Local). On a shared,
 * noisy machine, CPU time per job varies far less than jobs per second, so it says where the
 * work goes.
 *
 * @example
 * ```ts
 * const cpu = createCpuClock();
 * const before = cpu.snapshot();
 * await drain();
 * const used = cpu.since(before); // { nodeUs, emulatorUs }
 * ```
 */
export function createCpuClock(): CpuClock {
  let javaPid: string | undefined;
  try {
    javaPid = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .find((pid) => {
        try {
          const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
          return comm === 'java' && Number(statFields(pid)?.[1]) === process.pid;
        } catch {
          return false; // the process ended while we looked
        }
      });
  } catch {
    javaPid = undefined;
  }
  const ticks = javaPid ? clockTicksPerSecond() : 100;
  const emulatorUs = (): number | undefined => {
    const fields = javaPid ? statFields(javaPid) : undefined;
    if (!fields) return undefined;
    return ((Number(fields[11]) + Number(fields[12])) / ticks) * 1_000_000;
  };
  return {
    snapshot() {
      const { user, system } = process.cpuUsage();
      const jvm = emulatorUs();
      return { nodeUs: user + system, ...(jvm === undefined ? {} : { emulatorUs: jvm }) };
    },
    since(before) {
      const now = this.snapshot();
      return {
        nodeUs: now.nodeUs - before.nodeUs,
        ...(now.emulatorUs !== undefined && before.emulatorUs !== undefined
          ? { emulatorUs: now.emulatorUs - before.emulatorUs }
          : {}),
      };
    },
  };
}
