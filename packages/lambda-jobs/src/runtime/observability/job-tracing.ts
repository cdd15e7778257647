import {
  type Attributes,
  type Link,
  context as otelContext,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/**
 * Spans of enqueue and run, through `@opentelemetry/api`: a no-op unless the application
 * registers an OpenTelemetry SDK (the ADOT Lambda layer, or `NodeTracerProvider`). Names and
 * attributes follow OpenTelemetry's messaging semantic conventions; the job's own attributes
 * are under `lambda_jobs.job.*`.
 */
const TRACER_NAME = 'lambda-jobs';

/** OpenTelemetry's value of `messaging.system` for Amazon SQS. */
const MESSAGING_SYSTEM = 'aws_sqs';

/** W3C trace context: version 00, trace id, parent span id, flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The job a span is about. */
export interface TracedJob {
  readonly id: string;
  readonly type: string;
  /** The job's queue, as the config names it. */
  readonly queue: string;
}

/** The `send <queue>` span of one enqueue. */
export interface SendSpan {
  /** The span's W3C `traceparent`, for the envelope; undefined when nothing records spans. */
  readonly traceparent: string | undefined;
  /** The message was sent (SQS's message id, when known). */
  sent(messageId?: string): void;
  /** The enqueue was skipped (its concurrency key is held): nothing was sent. */
  skipped(): void;
  failed(error: unknown): void;
}

/** The `process <queue>` span of one attempt. */
export interface ProcessSpan {
  /** The trace id for log lines; undefined when nothing records spans. */
  readonly traceId: string | undefined;
  /** Runs `work` with this span active (spans the job makes are its children). */
  around<T>(work: () => Promise<T>): Promise<T>;
  succeeded(): void;
  failed(error: unknown): void;
}

const tracer = () => trace.getTracer(TRACER_NAME);

function jobAttributes(job: TracedJob, operation: 'send' | 'process'): Attributes {
  return {
    'messaging.system': MESSAGING_SYSTEM,
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
    'messaging.destination.name': job.queue,
    'lambda_jobs.job.id': job.id,
    'lambda_jobs.job.type': job.type,
  };
}

function markFailed(span: Span, error: unknown): void {
  const name = error instanceof Error ? error.name : 'Error';
  span.setAttribute('error.type', name);
  if (error instanceof Error) span.recordException(error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
  span.end();
}

/**
 * The span context a `traceparent` names, when it is well formed and valid.
 *
 * @example
 * ```ts
 * parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')?.traceId;
 * ```
 */
export function parseTraceparent(traceparent: string | undefined): SpanContext | undefined {
  const match = traceparent === undefined ? null : TRACEPARENT.exec(traceparent);
  if (!match) return undefined;
  const context: SpanContext = {
    traceId: match[1]!,
    spanId: match[2]!,
    traceFlags: Number.parseInt(match[3]!, 16),
    isRemote: true,
  };
  return trace.isSpanContextValid(context) ? context : undefined;
}

function traceparentOf(span: Span): string | undefined {
  const context = span.spanContext();
  if (!trace.isSpanContextValid(context)) return undefined;
  const flags = context.traceFlags.toString(16).padStart(2, '0');
  return `00-${context.traceId}-${context.spanId}-${flags}`;
}

/**
 * Starts the PRODUCER span `send <queue>` of an enqueue, a child of the active context (the
 * caller's request, say). Its `traceparent` goes into the envelope, so the job's run links to it.
 *
 * @example
 * ```ts
 * const span = startSendSpan({ id, type, queue });
 * try { span.sent((await transport.send(url, body)).messageId); } catch (e) { span.failed(e); throw e; }
 * ```
 */
export function startSendSpan(job: TracedJob): SendSpan {
  const span = tracer().startSpan(`send ${job.queue}`, {
    kind: SpanKind.PRODUCER,
    attributes: jobAttributes(job, 'send'),
  });
  return {
    traceparent: traceparentOf(span),
    sent(messageId) {
      if (messageId) span.setAttribute('messaging.message.id', messageId);
      span.end();
    },
    skipped() {
      span.setAttribute('lambda_jobs.enqueue.skipped', true);
      span.end();
    },
    failed: (error) => markFailed(span, error),
  };
}

/**
 * Starts the CONSUMER span `process <queue>` of one attempt, linked to the enqueue's send span
 * (the envelope's `traceparent`), a child of the active context (the invocation's span).
 *
 * @example
 * ```ts
 * const span = startProcessSpan({ id, type, queue }, { attempt: 1, messageId, traceparent });
 * await span.around(() => run(payload));
 * ```
 */
export function startProcessSpan(
  job: TracedJob,
  delivery: { readonly attempt: number; readonly messageId: string; readonly traceparent?: string },
): ProcessSpan {
  const origin = parseTraceparent(delivery.traceparent);
  const links: Link[] = origin ? [{ context: origin }] : [];
  const span = tracer().startSpan(`process ${job.queue}`, {
    kind: SpanKind.CONSUMER,
    links,
    attributes: {
      ...jobAttributes(job, 'process'),
      'messaging.message.id': delivery.messageId,
      'lambda_jobs.job.attempt': delivery.attempt,
    },
  });
  const spanContext = span.spanContext();
  return {
    traceId: trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined,
    around: (work) => otelContext.with(trace.setSpan(otelContext.active(), span), work),
    succeeded: () => span.end(),
    failed: (error) => markFailed(span, error),
  };
}
