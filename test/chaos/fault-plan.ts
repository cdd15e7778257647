/**
 * The odds of every injected fault, one seeded draw per chance, and the count of faults that
 * were actually injected, per kind. Switching `enabled` off stops every new fault at once, so
 * the tail of a run converges.
 */
import { seededRandom } from './seeded-random.ts';

/** Faults drawn per SDK call (sdk-faults.ts). */
export const SDK_FAULT_KINDS = [
  'ddb-throttle-surfaced',
  'ddb-response-lost-surfaced',
  'ddb-throttle-sdk-retried',
  'ddb-response-lost-sdk-retried',
  'sqs-throttle-surfaced',
  'sqs-response-lost-surfaced',
  'sqs-throttle-sdk-retried',
  'sqs-response-lost-sdk-retried',
] as const;
export type SdkFaultKind = (typeof SDK_FAULT_KINDS)[number];

/** Faults drawn per handler invocation (chaos-handler.ts). */
export const INVOCATION_FAULT_KINDS = [
  'invocation-crash',
  'invocation-duplicate',
  'invocation-stall',
] as const;
export type InvocationFaultKind = (typeof INVOCATION_FAULT_KINDS)[number];

export type FaultKind = SdkFaultKind | InvocationFaultKind;

/** Probability of each fault per chance (per SDK call, per invocation). */
export type FaultRates = Readonly<Record<FaultKind, number>>;

/** Seeded draws, an on/off switch, and what was injected. */
export interface FaultPlan {
  /** New faults are drawn only while true. */
  enabled: boolean;
  /** The plan's own random source (for fault timing). */
  readonly random: () => number;
  /** True (and counted) when a fault of `kind` is to be injected now. */
  draw(kind: FaultKind): boolean;
  /** Faults injected so far, per kind (every kind present, zero included). */
  counts(): Record<FaultKind, number>;
  /** Notes a fault that hit a call about job `id` (for the traces of suspicious jobs). */
  note(id: string, text: string): void;
  /** The faults noted for job `id`, with their times (epoch ms). */
  notesOf(id: string): readonly (readonly [number, string])[];
}

/**
 * Creates a plan, disabled until the run starts.
 *
 * @example
 * ```ts
 * const plan = createFaultPlan(42, rates);
 * plan.enabled = true;
 * if (plan.draw('invocation-crash')) freezeLater(state);
 * ```
 */
export function createFaultPlan(seed: number, rates: FaultRates): FaultPlan {
  const random = seededRandom(seed);
  const injected = new Map<FaultKind, number>();
  const notes = new Map<string, [number, string][]>();
  return {
    enabled: false,
    random,
    draw(kind) {
      if (!this.enabled || random() >= rates[kind]) return false;
      injected.set(kind, (injected.get(kind) ?? 0) + 1);
      return true;
    },
    counts() {
      const all = [...SDK_FAULT_KINDS, ...INVOCATION_FAULT_KINDS];
      return Object.fromEntries(all.map((kind) => [kind, injected.get(kind) ?? 0])) as Record<
        FaultKind,
        number
      >;
    },
    note(id, text) {
      const list = notes.get(id) ?? [];
      list.push([Date.now(), text]);
      notes.set(id, list);
    },
    notesOf: (id) => notes.get(id) ?? [],
  };
}
