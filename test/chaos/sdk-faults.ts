/**
 * Faults at the AWS SDK layer, added as middleware to the very clients the worker, the event
 * source and the monitor use. Two placements, so both sides of the SDK's own retry are tested:
 *
 * ```
 * initialize   ── surfaced faults: above the SDK's retry, so the runtime code sees them
 *                 (what it gets once the SDK has spent its own retries)
 * finalizeRequest, priority high ── the SDK's retry middleware
 * finalizeRequest, priority low  ── SDK-retried faults: inside the retry loop, retried by the SDK
 * deserialize  ── the applied-writes observer (write-ledger.ts) and the service
 * ```
 *
 * Each placement injects before-send faults (a throttle: the request never reached the service)
 * and after-send faults (the request was applied, then its response was lost, as a dropped
 * connection would). The after-send kind is what creates repeated writes, duplicate messages and
 * half-finished transitions. Inside a frozen invocation (invocation-freeze.ts) every call hangs.
 */
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { RequestThrottled } from '@aws-sdk/client-sqs';
import type {
  FinalizeHandlerArguments,
  FinalizeHandlerOutput,
  HandlerExecutionContext,
  InitializeHandlerArguments,
  InitializeHandlerOutput,
  MetadataBearer,
  MiddlewareStack,
} from '@smithy/types';
import { TABLE_SCHEMA } from '../../packages/lambda-jobs/src/config/table-schema.ts';
import { salvageJobId } from '../../packages/lambda-jobs/src/runtime/envelope.ts';
import { attributeText } from '../support/attribute-text.ts';
import type { FaultKind, FaultPlan, SdkFaultKind } from './fault-plan.ts';
import { hangForever, isFrozen } from './invocation-freeze.ts';

/** Which service a client talks to: picks the throttling exception class. */
export type SdkService = 'dynamodb' | 'sqs';

/** Anything with an SDK middleware stack (every v3 client). */
export interface MiddlewareStackOwner<Input extends object, Output extends MetadataBearer> {
  readonly middlewareStack: MiddlewareStack<Input, Output>;
}

function throttle(service: SdkService, commandName: string): Error {
  const message = `Injected throttle on ${commandName}: the request did not reach the service`;
  const $metadata = { httpStatusCode: 400 };
  return service === 'dynamodb'
    ? new ProvisionedThroughputExceededException({ message, $metadata })
    : new RequestThrottled({ message, $metadata });
}

/** What a dropped connection looks like to the SDK: a transient network error. */
function responseLost(commandName: string): Error {
  return Object.assign(
    new Error(`Injected: ${commandName} was applied, then its response was lost (socket hang up)`),
    { name: 'TimeoutError', code: 'ECONNRESET', $metadata: {} },
  );
}

/**
 * The job a call is about, when it names one: a record's key, a concurrency key's holder, or a
 * message body's id.
 */
function jobIdOfCall(input: Record<string, unknown>): string | undefined {
  const key = (input.Key ?? input.Item) as Record<string, unknown> | undefined;
  const pk = attributeText(key?.[TABLE_SCHEMA.partitionKey]);
  if (typeof pk === 'string' && pk.startsWith('JOB#')) return pk.slice('JOB#'.length);
  const holder = attributeText(
    (input.ExpressionAttributeValues as Record<string, unknown> | undefined)?.[':jobId'],
  );
  if (typeof holder === 'string') return holder;
  return typeof input.MessageBody === 'string' ? salvageJobId(input.MessageBody) : undefined;
}

/** The four SDK fault kinds of one placement, for one service. */
function kindsFor(service: SdkService, placement: 'surfaced' | 'sdk-retried') {
  const prefix = service === 'dynamodb' ? 'ddb' : 'sqs';
  return {
    throttle: `${prefix}-throttle-${placement}` as SdkFaultKind,
    responseLost: `${prefix}-response-lost-${placement}` as SdkFaultKind,
  };
}

/**
 * Adds both fault placements to a client. Faults are drawn only while `plan.enabled`.
 *
 * @example
 * ```ts
 * const dynamodb = createDynamoDbClient();
 * injectSdkFaults(dynamodb, 'dynamodb', plan);
 * const worker = createWorker({ registry, config, dynamodb, sqs });
 * ```
 */
export function injectSdkFaults<Input extends object, Output extends MetadataBearer>(
  client: MiddlewareStackOwner<Input, Output>,
  service: SdkService,
  plan: FaultPlan,
): void {
  const faults =
    <Args extends { input: Input }, Result>(kinds: {
      throttle: SdkFaultKind;
      responseLost: SdkFaultKind;
    }) =>
    (next: (args: Args) => Promise<Result>, context: HandlerExecutionContext) =>
    async (args: Args): Promise<Result> => {
      const command = context.commandName ?? 'command';
      if (isFrozen()) return hangForever();
      const draw = (kind: FaultKind) => {
        if (!plan.draw(kind)) return false;
        const id = jobIdOfCall(args.input as unknown as Record<string, unknown>);
        if (id) plan.note(id, `${kind} on ${command}`);
        return true;
      };
      if (draw(kinds.throttle)) throw throttle(service, command);
      const result = await next(args);
      if (isFrozen()) return hangForever();
      if (draw(kinds.responseLost)) throw responseLost(command);
      return result;
    };
  const surfaced = faults<InitializeHandlerArguments<Input>, InitializeHandlerOutput<Output>>(
    kindsFor(service, 'surfaced'),
  );
  const sdkRetried = faults<FinalizeHandlerArguments<Input>, FinalizeHandlerOutput<Output>>(
    kindsFor(service, 'sdk-retried'),
  );
  client.middlewareStack.add(surfaced, {
    step: 'initialize',
    priority: 'high',
    name: `chaosSurfacedFaults-${service}`,
  });
  client.middlewareStack.add(sdkRetried, {
    step: 'finalizeRequest',
    priority: 'low',
    name: `chaosSdkRetriedFaults-${service}`,
  });
}
