import { iamActionsOf, sdkOperationsOf } from './test/infra/sdk-operations.ts';

for (const e of [
  'functions/worker.ts',
  'functions/monitor.ts',
  'functions/notifier.ts',
  'bin/cli/main.ts',
]) {
  const ops = await sdkOperationsOf(e);
  console.log(e, ops.map((o) => o.command).join(' '), '\n  =>', iamActionsOf(ops).join(' '));
}
