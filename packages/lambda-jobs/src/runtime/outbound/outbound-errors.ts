import { UnrecoverableJobError } from '../errors.ts';

/**
 * An outbound request lambda-jobs refused to make: the destination's address is not public and
 * not allowed by configuration (`outbound.allow`), the URL or a header breaks a rule, or the
 * receiver answered with a redirect (never followed). Not retried: the same request would be
 * refused again. Names the URL's host and the rule, never a resolved address of a name the
 * caller did not give.
 *
 * @example
 * ```ts
 * } catch (e) { if (e instanceof OutboundRequestRefusedError) console.error(e.host, e.rule); }
 * ```
 */
export class OutboundRequestRefusedError extends UnrecoverableJobError {
  override name = 'OutboundRequestRefusedError';
  /** The host of the URL as given (`name:port` or `[v6]:port`). */
  readonly host: string;
  /** Which rule refused it, e.g. `loopback`, `private`, `redirect`, `reserved header`. */
  readonly rule: string;

  constructor(host: string, rule: string, detail: string, options?: ErrorOptions) {
    super(`Refused request to ${host}: ${detail} (${rule})`, options);
    this.host = host;
    this.rule = rule;
  }
}
