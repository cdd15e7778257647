/**
 * `createJobsAdmin`: the {@link JobsAdmin} operators use through the CLI and the dashboard,
 * over the runtime's ports. Dev mode and a deployed stack differ only in the adapters passed
 * in (endpoints, the oldest-age source, where monitor samples come from).
 */

import type { LambdaJobsConfig, QueueThresholds } from '../../config/config-types.ts';
import type { QueueEndpoints } from '../../config/env.ts';
import { JobNotFoundError, JobStateConflictError, UnknownQueueError } from '../errors.ts';
import type { JobClient } from '../job-client.ts';
import type { JobRecord } from '../job-record.ts';
import { ALL_STATUSES, JobStatus } from '../job-status.ts';
import { isFifoQueueUrl, laterSendRouting } from '../message-group.ts';
import { levelFor } from '../monitor/backlog-evaluation.ts';
import {
  BacklogLevel,
  type MonitoredQueue,
  type OldestAgeSource,
  type QueueDepthSource,
} from '../monitor/monitor-ports.ts';
import type { ConcurrencyKeyStore, JobStore, QueueTransport } from '../ports.ts';
import type { JobRegistry } from '../registry.ts';
import { JobMessageNotKeptError } from './admin-errors.ts';
import type { QueueMessageAdmin, QueueSampleSource, QueueSettings } from './admin-ports.ts';
import { deleteDeadLetter } from './dead-letter-deletion.ts';
import {
  type RedriveReport,
  type RedriveRunOptions,
  redriveDeadLetters,
} from './dead-letter-redrive.ts';
import { DLQ_LIST_LIMIT, listDeadLetters } from './dead-letters.ts';
import type { BacklogLevelName, JobsAdmin, QueueOverview } from './jobs-admin.ts';
import { listJobsAcross } from './merged-job-list.ts';
import { type OutcomeCountSource, outcomeHistory } from './outcome-counts.ts';
import { concurrencyKeyOf, takeConcurrencyKeyBack } from './requeue-concurrency-key.ts';

/** Everything the admin works through. Build them once per process. */
export interface JobsAdminDeps {
  readonly config: Pick<LambdaJobsConfig, 'queues' | 'monitor'>;
  /** Where each queue of the target lives (dev mode's provisioning, or the stack's outputs). */
  readonly queues: Readonly<Record<string, QueueEndpoints>>;
  readonly store: JobStore;
  readonly transport: QueueTransport;
  /** Retry and redrive take a job's concurrency key back before re-queueing it. */
  readonly keys: ConcurrencyKeyStore;
  /** Enqueues and cancels (it releases keys and runs `onAborted` hooks). */
  readonly client: Pick<JobClient, 'enqueueByType' | 'cancel'>;
  readonly messages: QueueMessageAdmin;
  readonly depth: QueueDepthSource;
  /** The job types the worker runs: a redrive skips envelopes they cannot run. */
  readonly registry?: JobRegistry;
  /** CloudWatch on AWS, the emulator's inspect API in dev mode; absent: ages unknown. */
  readonly oldestAge?: OldestAgeSource;
  /** The monitor's samples; absent: `samples()` answers with none. */
  readonly samples?: QueueSampleSource;
  /** Jobs finished per queue and outcome (CloudWatch, dev mode's counter); absent: none known. */
  readonly outcomes?: OutcomeCountSource;
  readonly now?: () => Date;
}

/** A queue's own settings and its DLQ's, as the target has them. */
export interface QueueSettingsPair {
  readonly queue: QueueSettings;
  readonly deadLetterQueue: QueueSettings;
}

/**
 * {@link JobsAdmin} with richer answers (redrive lists what it skipped) and two reads `doctor` uses.
 */
export interface JobsAdminService extends JobsAdmin {
  dlqRedrive(queue: string, options?: RedriveRunOptions): Promise<RedriveReport>;
  dlqRetry(queue: string, jobId: string): Promise<RedriveReport>;
  /** The target's queue settings (visibility timeout, redrive policy) for `queue` and its DLQ. */
  queueSettings(queue: string): Promise<QueueSettingsPair>;
  /** RUNNING records of `queue` past their deadline plus the lost-job grace: the monitor's to rescue. */
  overdueJobs(queue: string): Promise<JobRecord[]>;
}

const LEVEL_NAMES: Readonly<Record<BacklogLevel, BacklogLevelName>> = {
  [BacklogLevel.ok]: 'ok',
  [BacklogLevel.warning]: 'warning',
  [BacklogLevel.critical]: 'critical',
};

const NO_THRESHOLDS: QueueThresholds = { backlog: {}, oldestAgeSeconds: {} };

/** Statuses an operator may retry (the store's `requeue`). */
export const RETRYABLE_STATUSES: readonly JobStatus[] = [
  JobStatus.ERRORED,
  JobStatus.LOST,
  JobStatus.CANCELLED,
];

/**
 * Builds the admin. Unknown queue names throw {@link UnknownQueueError}; unknown job ids
 * {@link JobNotFoundError}; refused transitions {@link JobStateConflictError}; bad input
 * (limit, cursor, payload) {@link JobInputError} naming the field.
 *
 * @example
 * ```ts
 * const runtime = createAwsJobRuntime({ registry, config, env });
 * const admin = createJobsAdmin({
 *   config, queues: runtime.queues, store: runtime.store, transport: runtime.transport, keys: runtime.keys,
 *   client: runtime.client, messages: createSqsQueueAdmin(runtime.sqs),
 *   depth: createSqsQueueDepthSource(runtime.sqs),
 * });
 * const overview = await admin.queues();
 * ```
 */
export function createJobsAdmin(deps: JobsAdminDeps): JobsAdminService {
  const now = deps.now ?? (() => new Date());
  const queueNames = Object.keys(deps.queues);

  function endpointsOf(queue: string): QueueEndpoints {
    const endpoints = deps.queues[queue];
    if (!endpoints) throw new UnknownQueueError(queue, queueNames);
    return endpoints;
  }

  async function oldestAges(at: Date): Promise<ReadonlyMap<string, number> | undefined> {
    if (!deps.oldestAge) return undefined;
    const monitored: MonitoredQueue[] = queueNames.map((name) => ({
      name,
      ...endpointsOf(name),
    }));
    try {
      return await deps.oldestAge.oldestAges(monitored, at);
    } catch {
      // Ages are a nicety of the overview: without them the depths still tell the story.
      return undefined;
    }
  }

  async function overview(
    name: string,
    ages: ReadonlyMap<string, number> | undefined,
  ): Promise<QueueOverview> {
    const endpoints = endpointsOf(name);
    const [depth, dlq] = await Promise.all([
      deps.depth.depth(endpoints.url),
      deps.depth.depth(endpoints.dlqUrl),
    ]);
    const thresholds = deps.config.queues[name]?.thresholds ?? NO_THRESHOLDS;
    const backlog = depth.visible + depth.delayed + depth.inFlight;
    const oldestAgeSeconds = ages?.get(name);
    const level = Math.max(
      levelFor(backlog, thresholds.backlog),
      oldestAgeSeconds === undefined ? 0 : levelFor(oldestAgeSeconds, thresholds.oldestAgeSeconds),
    ) as BacklogLevel;
    return {
      name,
      url: endpoints.url,
      dlqUrl: endpoints.dlqUrl,
      fifo: isFifoQueueUrl(endpoints.url),
      visible: depth.visible,
      inFlight: depth.inFlight,
      delayed: depth.delayed,
      backlog,
      dlqDepth: dlq.visible,
      oldestAgeSeconds,
      level: LEVEL_NAMES[level],
      thresholds: {
        backlog: { ...thresholds.backlog },
        oldestAgeSeconds: { ...thresholds.oldestAgeSeconds },
        dlqDepth: thresholds.dlqDepth,
      },
    };
  }

  const admin: JobsAdminService = {
    async queues() {
      const ages = await oldestAges(now());
      return Promise.all(queueNames.map((name) => overview(name, ages)));
    },

    async listJobs(filter) {
      if (filter.queue !== undefined) endpointsOf(filter.queue);
      return listJobsAcross(deps.store, {
        queues: filter.queue !== undefined ? [filter.queue] : queueNames,
        statuses: filter.status !== undefined ? [filter.status] : ALL_STATUSES,
        ...(filter.type !== undefined ? { type: filter.type } : {}),
        ...(filter.since !== undefined ? { since: filter.since } : {}),
        ...(filter.limit !== undefined ? { limit: filter.limit } : {}),
        ...(filter.cursor !== undefined ? { cursor: filter.cursor } : {}),
      });
    },

    async getJob(id) {
      const record = await deps.store.get(id);
      if (!record) throw new JobNotFoundError(id);
      return record;
    },

    /**
     * ERRORED / LOST / CANCELLED → QUEUED (attempts reset), then the stored message is sent
     * again with the same job id. A job with a concurrency key takes it back first, and is
     * refused with ConcurrencyKeyHeldError (naming the holder) while another job holds it. The record is reset first, so the worker never sees the
     * message while the record still says the job is over. If sending fails, the record is set
     * to CANCELLED (retryable again) and the error is thrown.
     */
    async retryJob(id) {
      const record = await admin.getJob(id);
      if (!RETRYABLE_STATUSES.includes(record.status)) {
        throw new JobStateConflictError(id, 'retry', record.status);
      }
      const endpoints = endpointsOf(record.queue);
      if (record.envelope === undefined) {
        throw new JobMessageNotKeptError(id, record.queue, record.status);
      }
      const key = concurrencyKeyOf(record);
      const taken = key
        ? await takeConcurrencyKeyBack(deps.keys, {
            jobId: id,
            key,
            transition: 'retry',
            status: record.status,
            now: now(),
          })
        : false;
      const giveKeyBack = async () => {
        if (key && taken) await deps.keys.release(key, id).catch(() => {});
      };
      let requeued: JobRecord;
      try {
        requeued = await deps.store.requeue(id, now().toISOString());
      } catch (error) {
        await giveKeyBack();
        throw error;
      }
      try {
        await deps.transport.send(
          endpoints.url,
          record.envelope,
          undefined,
          undefined,
          laterSendRouting(endpoints.url, id, record.messageGroup, record.type),
        );
      } catch (error) {
        await deps.store.cancel(id, now().toISOString()).catch(() => {});
        await giveKeyBack();
        throw error;
      }
      return requeued;
    },

    async cancelJob(id) {
      return deps.client.cancel(id);
    },

    async enqueue(type, payload, options) {
      return deps.client.enqueueByType(type, payload, options);
    },

    async dlqList(queue, options = {}) {
      const { dlqUrl } = endpointsOf(queue);
      const limit = Math.min(
        DLQ_LIST_LIMIT.max,
        Math.max(DLQ_LIST_LIMIT.min, options.limit ?? DLQ_LIST_LIMIT.default),
      );
      return listDeadLetters(deps, { name: queue, dlqUrl }, limit);
    },

    async dlqRedrive(queue, options = {}) {
      const endpoints = endpointsOf(queue);
      return redriveDeadLetters(
        {
          store: deps.store,
          transport: deps.transport,
          messages: deps.messages,
          keys: deps.keys,
          depth: deps.depth,
          registry: deps.registry,
          now,
        },
        { name: queue, ...endpoints },
        options,
      );
    },

    async dlqRetry(queue, jobId) {
      return admin.dlqRedrive(queue, { jobIds: [jobId], limit: 1 });
    },

    async dlqDelete(queue, jobId) {
      const { dlqUrl } = endpointsOf(queue);
      return deleteDeadLetter(deps, { dlqUrl }, jobId, now());
    },

    async dlqPurge(queue) {
      const { dlqUrl } = endpointsOf(queue);
      const before = await deps.depth.depth(dlqUrl);
      await deps.messages.purge(dlqUrl);
      return { purged: before.visible + before.inFlight + before.delayed };
    },

    async outcomes(minutes) {
      if (deps.outcomes) return deps.outcomes.history(minutes);
      return outcomeHistory({
        minutes,
        now: now(),
        queues: queueNames,
        readings: [],
        known: false,
      });
    },

    async samples(minutes) {
      return deps.samples ? [...(await deps.samples.recent(minutes))] : [];
    },

    async queueSettings(queue) {
      const endpoints = endpointsOf(queue);
      const [main, dlq] = await Promise.all([
        deps.messages.settings(endpoints.url),
        deps.messages.settings(endpoints.dlqUrl),
      ]);
      return { queue: main, deadLetterQueue: dlq };
    },

    async overdueJobs(queue) {
      endpointsOf(queue);
      const graceMs = deps.config.monitor.lostGraceSeconds * 1000;
      return deps.store.listExpiredRunning(
        queue,
        new Date(now().getTime() - graceMs).toISOString(),
        100,
      );
    },
  };
  return admin;
}
