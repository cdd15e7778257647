import { describe, expect, it } from 'vitest';
import {
  createRedriveTasks,
  RedriveRunningError,
} from '../../packages/lambda-jobs/src/local/dashboard/redrive-tasks.ts';
import type {
  RedriveOptions,
  RedriveResult,
} from '../../packages/lambda-jobs/src/runtime/admin/jobs-admin.ts';

/** A redrive that moves one message, then waits until it is told to stop. */
function endlessRedrive() {
  return {
    async dlqRedrive(_queue: string, options: RedriveOptions = {}): Promise<RedriveResult> {
      options.onProgress?.({ moved: 1, skipped: 0, left: 9 });
      await new Promise<void>((resolve) =>
        options.signal?.addEventListener('abort', () => resolve()),
      );
      return {
        moved: 1,
        matched: 1,
        jobIds: ['a'],
        method: 'receive-send-delete',
        presentAtStart: 10,
        examined: 1,
        cameBack: 0,
        left: 9,
        stoppedBy: 'signal',
        dryRun: false,
        skipped: [],
      };
    },
  };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('dashboard redrive tasks', () => {
  it('runs one redrive per queue: a second is refused naming the first', async () => {
    // Prepare
    const tasks = createRedriveTasks({ admin: endlessRedrive() });
    const first = tasks.start('default', {});

    // Act
    const second = () => tasks.start('default', {});

    // Assess
    expect(second).toThrow(RedriveRunningError);
    expect(second).toThrow(`already running (task ${first.id})`);
    expect(tasks.start('slow', {}).state).toBe('running');
    await tasks.close();
  });

  it('shows live progress, and Cancel ends the task with what it did', async () => {
    // Prepare
    const tasks = createRedriveTasks({ admin: endlessRedrive() });
    const { id } = tasks.start('default', {});

    // Act
    const running = tasks.watch(id);
    tasks.cancel(id);
    await settle(10);

    // Assess
    expect(running).toMatchObject({ state: 'running', progress: { moved: 1, left: 9 } });
    expect(tasks.watch(id)).toMatchObject({
      state: 'cancelled',
      cancelledBecause: 'Cancel was clicked',
      report: { moved: 1 },
    });
    await tasks.close();
  });

  it('cancels a task nobody watches any more, and keeps one that is watched', async () => {
    // Prepare
    const tasks = createRedriveTasks({ admin: endlessRedrive(), unwatchedSeconds: 0.3 });
    const abandoned = tasks.start('default', {});
    const watched = tasks.start('slow', {});

    // Act
    for (let i = 0; i < 8; i++) {
      tasks.watch(watched.id);
      await settle(100);
    }

    // Assess
    expect(tasks.runningOf('default')).toBeUndefined();
    expect(tasks.watch(abandoned.id)).toMatchObject({
      state: 'cancelled',
      cancelledBecause: 'no page watched it for 0.3 s',
    });
    expect(tasks.watch(watched.id)?.state).toBe('running');
    await tasks.close();
    expect(tasks.watch(watched.id)).toMatchObject({
      state: 'cancelled',
      cancelledBecause: 'the dashboard was closed',
    });
  });
});
