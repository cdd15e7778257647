import type { EventSourceState } from '../../runtime/admin/admin-ports.ts';
import {
  diagnose,
  type Finding,
  needsAttention,
  type QueueActivity,
} from '../../runtime/admin/health-check.ts';
import type {
  JobsAdminService,
  QueueSettingsPair,
} from '../../runtime/admin/jobs-admin-service.ts';
import { pausedQueues } from '../../runtime/admin/queue-consumption.ts';
import { EXIT } from '../cli-errors.ts';
import { type Command, printJson } from '../command-context.ts';
import { formatInstant, formatSeconds } from '../human-format.ts';
import { circuitTable } from './circuits.ts';
import { queueTable } from './queues.ts';

const MARK: Readonly<Record<Finding['level'], string>> = {
  problem: '✗',
  warning: '!',
  info: '·',
};

function findingLine(finding: Finding): string {
  return `  ${MARK[finding.level]} ${finding.queue ? `${finding.queue}: ` : ''}${finding.message}\n`;
}

function eventSourceSummary(states: readonly EventSourceState[] | undefined): string {
  if (states === undefined) return 'not read';
  if (states.length === 0) return 'none';
  return states.map((s) => `${s.queue} ${s.state}`).join(', ');
}

/**
 * Jobs finished and retried per queue over the stalled window, from the workers' counters
 * (the window rounded up to whole minutes, as the counters keep them).
 */
async function queueActivity(
  admin: JobsAdminService,
  windowSeconds: number,
): Promise<Map<string, QueueActivity>> {
  const history = await admin.outcomes(Math.max(1, Math.ceil(windowSeconds / 60)));
  if (!history.known) {
    throw new Error("this target has no outcome counters to read (is dev mode's dashboard up?)");
  }
  return new Map(
    Object.entries(history.totals).map(([queue, totals]) => [
      queue,
      { finished: totals.succeeded + totals.errored, retried: totals.retried, windowSeconds },
    ]),
  );
}

/**
 * `lambda-jobs doctor`: measures the target, judges it (runtime/admin/health-check.ts), prints
 * the verdict; exit 1 when something needs attention.
 *
 * @example `lambda-jobs doctor --stack shop --region eu-west-1`
 */
export const doctorCommand: Command = async ({ io, json, target, app, now }) => {
  const connected = await target();
  const { admin } = connected;
  const overviews = await admin.queues();
  const names = overviews.map((q) => q.name);
  const notChecked = [...connected.notChecked];
  const windowSeconds = connected.config.monitor.stalledAfterSeconds;
  const [settingsList, overdueList, lastRun, alarms, eventSources, activity, circuits] =
    await Promise.all([
      Promise.all(
        names.map((name) => admin.queueSettings(name).catch((error: unknown) => error as Error)),
      ),
      Promise.all(names.map((name) => admin.overdueJobs(name).then((jobs) => jobs.length))),
      connected.monitorActivity
        ? connected.monitorActivity.lastRun().catch(() => 'unknown' as const)
        : Promise.resolve('unknown' as const),
      connected.alarms ? connected.alarms.firing() : Promise.resolve(undefined),
      connected.eventSources.states().catch((error: unknown) => {
        notChecked.push(`event sources (${(error as Error).message})`);
        return undefined;
      }),
      queueActivity(admin, windowSeconds).catch((error: unknown) => {
        notChecked.push(`processing stalled (${(error as Error).message})`);
        return undefined;
      }),
      connected.circuits.list().catch((error: unknown) => {
        notChecked.push(`circuit breakers (${(error as Error).message})`);
        return undefined;
      }),
    ]);
  const at = now();
  const findings = diagnose({
    config: connected.config,
    registry: app.registry,
    targetKind: connected.kind,
    overviews,
    settings: new Map<string, QueueSettingsPair | Error>(
      names.map((name, i) => [name, settingsList[i]!] as const),
    ),
    overdue: new Map(names.map((name, i) => [name, overdueList[i] ?? 0] as const)),
    monitorLastRun: lastRun,
    alarms,
    eventSources,
    ...(activity ? { activity } : {}),
    ...(circuits ? { circuits } : {}),
    notChecked,
    now: at,
  });
  const healthy = !needsAttention(findings);
  const lastRunIso = lastRun instanceof Date ? lastRun.toISOString() : undefined;
  if (json) {
    printJson(io, {
      target: { kind: connected.kind, label: connected.label, table: connected.tableName },
      checkedAt: at.toISOString(),
      healthy,
      queues: overviews,
      monitor: {
        lastRun: lastRunIso,
        everySeconds: connected.config.monitor.everySeconds,
      },
      alarmsInAlarm: alarms,
      eventSources,
      activity: activity ? Object.fromEntries(activity) : undefined,
      circuits,
      findings,
    });
    return healthy ? EXIT.ok : EXIT.failed;
  }
  const write = (text: string) => io.stdout.write(text);
  write(`Target: ${connected.label}\nTable:  ${connected.tableName}\n`);
  if (connected.dashboardUrl) write(`Dashboard: ${connected.dashboardUrl}\n`);
  write(`\n${queueTable(overviews, eventSources ? pausedQueues(eventSources) : undefined)}\n`);
  write(
    `Monitor: ${lastRunIso ? `last run ${formatInstant(lastRunIso, at)}` : lastRun === 'unknown' ? 'last run unknown' : 'no run seen'}, every ${formatSeconds(connected.config.monitor.everySeconds)}\n`,
  );
  write(
    `Alarms in ALARM: ${alarms === undefined ? 'not applicable (dev mode)' : alarms.length === 0 ? 'none' : alarms.map((a) => a.name).join(', ')}\n`,
  );
  write(`Event sources: ${eventSourceSummary(eventSources)}\n`);
  if (circuits && circuits.length > 0) write(`\nCircuit breakers:\n${circuitTable(circuits)}`);
  const attention = findings.filter((f) => f.level !== 'info');
  const notes = findings.filter((f) => f.level === 'info');
  if (attention.length > 0) {
    write('\nNeeds attention:\n');
    for (const finding of attention) write(findingLine(finding));
  }
  if (notes.length > 0) {
    write('\nNotes:\n');
    for (const finding of notes) write(findingLine(finding));
  }
  const problems = attention.filter((f) => f.level === 'problem').length;
  const warnings = attention.length - problems;
  write(
    healthy
      ? '\nAll good: nothing needs attention.\n'
      : `\n${problems} problem(s), ${warnings} warning(s).\n`,
  );
  return healthy ? EXIT.ok : EXIT.failed;
};
