import type { JobEnvelope } from './envelope.ts';
import {
  type AnyJobDefinition,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_SECONDS,
} from './job-definition.ts';
import { DEFAULT_RETRY_DELAY, type RetryDelay } from './retry-policy.ts';

/** A job's effective settings: the envelope's overrides over the definition's defaults. */
export interface EffectiveJobSettings {
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  readonly retryDelay: RetryDelay;
  readonly concurrencyKey: string | undefined;
}

/** Resolves what this delivery runs with; the envelope wins, then the definition, then defaults. */
export function effectiveSettings(
  definition: AnyJobDefinition,
  envelope: JobEnvelope,
): EffectiveJobSettings {
  const retries = envelope.options?.retries ?? definition.retries ?? DEFAULT_RETRIES;
  const timeoutSeconds =
    envelope.options?.timeoutSeconds ?? definition.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  return {
    maxAttempts: retries + 1,
    timeoutMs: timeoutSeconds * 1000,
    retryDelay: envelope.options?.retryDelay ?? definition.retryDelay ?? DEFAULT_RETRY_DELAY,
    concurrencyKey: envelope.options?.concurrencyKey,
  };
}
