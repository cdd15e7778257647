/**
 * Redrives the dashboard runs in the background, one per queue at a time, each with its live
 * progress and a way to cancel it. A redrive is bounded by itself (the messages present at its
 * start, a limit); on top of that a task stops when no page has asked about it for a while
 * (the page polls it while it is open), so closing the tab never leaves it running on.
 */
import { randomUUID } from 'node:crypto';
import type {
  JobsAdmin,
  RedriveOptions,
  RedriveProgress,
  RedriveResult,
} from '../../runtime/admin/jobs-admin.ts';
import { JobStateConflictError } from '../../runtime/errors.ts';

/**
 * A redrive of this queue is already running (one at a time per queue): 409, naming it.
 *
 * @example
 * ```ts
 * } catch (e) { if (e instanceof RedriveRunningError) console.log(e.taskId); }
 * ```
 */
export class RedriveRunningError extends JobStateConflictError {
  override name = 'RedriveRunningError';
  constructor(
    readonly queue: string,
    readonly taskId: string,
    options?: ErrorOptions,
  ) {
    super(taskId, 'start a redrive', 'running', options);
    this.message = `A redrive of queue "${queue}" is already running (task ${taskId}): cancel it or wait for it to end.`;
  }
}

/** `running`, then `done` (ended by itself), `cancelled` (Cancel, or no page watching) or `failed`. */
export type RedriveTaskState = 'running' | 'done' | 'cancelled' | 'failed';

/** A redrive task as the page sees it. */
export interface RedriveTaskView {
  readonly id: string;
  readonly queue: string;
  readonly state: RedriveTaskState;
  readonly dryRun: boolean;
  readonly progress: RedriveProgress;
  readonly startedAt: string;
  readonly endedAt?: string;
  /** Why it was cancelled: the Cancel button, or no page watching it. */
  readonly cancelledBecause?: string;
  /** The redrive's summary once it ended (also when cancelled: what it did until then). */
  readonly report?: RedriveResult;
  readonly error?: string;
}

/** What the tasks run on. */
export interface RedriveTaskOptions {
  readonly admin: Pick<JobsAdmin, 'dlqRedrive'>;
  /** A task nobody asked about for this long is cancelled. Default 15 s. */
  readonly unwatchedSeconds?: number;
  /** Finished tasks kept for the page to read. Default 20. */
  readonly keepFinished?: number;
  readonly now?: () => Date;
}

/** The dashboard's redrive tasks. */
export interface RedriveTasks {
  /** Starts a redrive of `queue`; JobStateConflictError while one of that queue runs. */
  start(queue: string, options: RedriveOptions): RedriveTaskView;
  /** The task, and a sign that a page still watches it; undefined when unknown. */
  watch(id: string): RedriveTaskView | undefined;
  /** Asks the task to stop after the message in hand. */
  cancel(id: string, because?: string): RedriveTaskView | undefined;
  /** The running task of `queue`, if any (not a sign of watching). */
  runningOf(queue: string): RedriveTaskView | undefined;
  /** Cancels every running task and resolves when they have ended (the dashboard closes). */
  close(): Promise<void>;
}

interface Task {
  view: RedriveTaskView;
  readonly controller: AbortController;
  finished: Promise<void>;
  lastWatchedAt: number;
}

/**
 * Builds the task list.
 *
 * @example
 * ```ts
 * const tasks = createRedriveTasks({ admin });
 * const { id } = tasks.start('default', { limit: 100 });
 * tasks.watch(id)?.progress; // { moved, skipped, left }
 * ```
 */
export function createRedriveTasks(options: RedriveTaskOptions): RedriveTasks {
  const now = options.now ?? (() => new Date());
  const unwatchedMs = (options.unwatchedSeconds ?? 15) * 1000;
  const keep = options.keepFinished ?? 20;
  const tasks = new Map<string, Task>();

  function forget(): void {
    const finished = [...tasks.values()].filter((t) => t.view.state !== 'running');
    for (const task of finished.slice(0, Math.max(0, finished.length - keep))) {
      tasks.delete(task.view.id);
    }
  }

  function stop(task: Task, because: string): void {
    if (task.view.state !== 'running' || task.controller.signal.aborted) return;
    task.view = { ...task.view, cancelledBecause: because };
    task.controller.abort();
  }

  const watchdog = setInterval(
    () => {
      const at = now().getTime();
      for (const task of tasks.values()) {
        if (at - task.lastWatchedAt > unwatchedMs) {
          stop(task, `no page watched it for ${unwatchedMs / 1000} s`);
        }
      }
    },
    Math.min(1000, unwatchedMs),
  );
  watchdog.unref();

  return {
    start(queue, redrive) {
      const running = this.runningOf(queue);
      if (running) throw new RedriveRunningError(queue, running.id);
      const id = randomUUID();
      const controller = new AbortController();
      const task: Task = {
        view: {
          id,
          queue,
          state: 'running',
          dryRun: redrive.dryRun === true,
          progress: { moved: 0, skipped: 0, left: 0 },
          startedAt: now().toISOString(),
        },
        controller,
        lastWatchedAt: now().getTime(),
        finished: Promise.resolve(),
      };
      tasks.set(id, task);
      task.finished = options.admin
        .dlqRedrive(queue, {
          ...redrive,
          signal: controller.signal,
          onProgress: (progress) => {
            task.view = { ...task.view, progress };
          },
        })
        .then(
          (report) => {
            task.view = {
              ...task.view,
              state: report.stoppedBy === 'signal' ? 'cancelled' : 'done',
              endedAt: now().toISOString(),
              progress: { moved: report.moved, skipped: report.skipped.length, left: report.left },
              report,
            };
          },
          (error: unknown) => {
            task.view = {
              ...task.view,
              state: 'failed',
              endedAt: now().toISOString(),
              error: error instanceof Error ? error.message : String(error),
            };
          },
        )
        .finally(forget);
      return task.view;
    },

    watch(id) {
      const task = tasks.get(id);
      if (!task) return undefined;
      task.lastWatchedAt = now().getTime();
      return task.view;
    },

    cancel(id, because = 'Cancel was clicked') {
      const task = tasks.get(id);
      if (!task) return undefined;
      stop(task, because);
      return task.view;
    },

    runningOf(queue) {
      return [...tasks.values()].find((t) => t.view.queue === queue && t.view.state === 'running')
        ?.view;
    },

    async close() {
      clearInterval(watchdog);
      for (const task of tasks.values()) stop(task, 'the dashboard was closed');
      await Promise.all([...tasks.values()].map((t) => t.finished));
    },
  };
}
