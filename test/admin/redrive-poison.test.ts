import { beforeAll, describe, expect, it } from 'vitest';
import { type AdminScenario, broken, startAdminScenario } from './admin-test-kit.ts';
import { POISON, runWorkerInBackground } from './poison-dead-letters.ts';

describe('redrive with poison messages in the DLQ and the worker running', () => {
  let s: AdminScenario;
  let good: string;

  beforeAll(async () => {
    s = await startAdminScenario();
    for (const body of POISON) await s.sendRaw(s.queues.default!.url, body);
    broken.add('later-fixed');
    good = (await s.admin.enqueue('switchable', { label: 'later-fixed' }))!;
    await s.drain();
    broken.delete('later-fixed');
  });

  it('ends, moves the good job once, and leaves the three poison messages in the DLQ untouched', async () => {
    // Prepare
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(4);
    const worker = runWorkerInBackground(s);

    // Act: the redrive must end by itself, well within the bound.
    const redrive = s.admin.dlqRedrive('default');
    const outcome = await Promise.race([
      redrive.then((report) => ({ report })),
      new Promise<{ report?: undefined }>((resolve) => setTimeout(() => resolve({}), 15_000)),
    ]);
    await new Promise((r) => setTimeout(r, 500));
    await worker.stop();

    // Assess
    expect(outcome.report, 'the redrive did not end within 15 s').toBeDefined();
    const report = outcome.report!;
    expect(report.moved).toBe(1);
    expect(report.jobIds).toEqual([good]);
    expect(report.skipped).toHaveLength(3);
    expect(await s.depth(s.queues.default!.dlqUrl)).toBe(3);
    const job = await s.admin.getJob(good);
    expect(job).toMatchObject({ status: 'SUCCESSFUL', attempts: 1 });
    expect(worker.handled()).toBe(1);
  }, 30_000);
});
