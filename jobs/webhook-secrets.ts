import { RetryJobError, UnrecoverableJobError, type WebhooksConfig } from 'lambda-jobs';
import type { SecretResolver } from 'lambda-jobs/aws';

/**
 * A payload named a signing key or secret header that configuration does not give it for this
 * URL. Not retried. The message names only what the producer wrote (the id and the URL's host),
 * never a secret's name, value or the configured destinations.
 */
export class WebhookSecretRefusedError extends UnrecoverableJobError {
  override name = 'WebhookSecretRefusedError';
}

/** The secrets a webhook delivery may use, chosen by configuration, never by the payload. */
export interface WebhookSecrets {
  /** Current secret first, then previous ones (key rotation): each becomes one `v1=`. */
  signingSecrets(keyId: string, url: URL): Promise<readonly string[]>;
  /** The value of a secret header for this URL. */
  headerValue(id: string, url: URL): Promise<string>;
}

/** `record[id]` if `id` is the record's own key (a payload's `__proto__` or `toString` is not). */
function ownEntry<T>(record: Readonly<Record<string, T>>, id: string): T | undefined {
  return Object.hasOwn(record, id) ? record[id] : undefined;
}

/**
 * True when `url` is under `prefix`: same scheme, host and port, and its path starts with the
 * prefix's path at a segment boundary (`https://b.example.com/hooks` covers `/hooks` and
 * `/hooks/x`, not `/hooksmith`).
 *
 * @example `isUnderDestination(new URL('https://b.example.com/hooks/1'), 'https://b.example.com/hooks/') === true`
 */
export function isUnderDestination(url: URL, prefix: string): boolean {
  const base = new URL(prefix);
  if (url.protocol !== base.protocol || url.host !== base.host) return false;
  if (base.pathname.endsWith('/')) return url.pathname.startsWith(base.pathname);
  return url.pathname === base.pathname || url.pathname.startsWith(`${base.pathname}/`);
}

/**
 * A secret resolver over fixed local values (dev mode's `dev.secretValues`): only secrets
 * listed there resolve; the error does not repeat the secret's name.
 *
 * @example
 * ```ts
 * const readSecret = localSecretResolver({ 'prod/partner-b/signing': 'local-only-value' });
 * ```
 */
export function localSecretResolver(values: Readonly<Record<string, string>>): SecretResolver {
  return async (name) => {
    const value = ownEntry(values, name);
    if (value === undefined || value === '') {
      throw new Error('no local value in dev.secretValues');
    }
    return value;
  };
}

/**
 * Resolves the signing keys and secret headers of `webhooks` (config) through `readSecret`
 * (Secrets Manager when deployed, {@link localSecretResolver} in dev mode). A key id that is not
 * configured, or a URL outside the key's destinations, throws {@link WebhookSecretRefusedError};
 * a failed read throws RetryJobError naming the key id and the error's name only.
 *
 * @example
 * ```ts
 * const secrets = createWebhookSecrets(config.webhooks, createSecretResolver());
 * const keys = await secrets.signingSecrets('partnerB', new URL('https://b.example.com/hooks/1'));
 * ```
 */
export function createWebhookSecrets(
  webhooks: WebhooksConfig,
  readSecret: SecretResolver,
): WebhookSecrets {
  async function read(what: string, name: string): Promise<string> {
    try {
      return await readSecret(name);
    } catch (cause) {
      throw new RetryJobError(
        `Could not read the secret of ${what} (${(cause as Error).name}: see the worker's configuration)`,
        { cause },
      );
    }
  }
  function allowed(what: string, destinations: readonly string[], url: URL): void {
    if (!destinations.some((prefix) => isUnderDestination(url, prefix))) {
      throw new WebhookSecretRefusedError(
        `${what} may not be sent to ${url.host}${url.pathname}: not one of its configured destinations`,
      );
    }
  }
  return {
    async signingSecrets(keyId, url) {
      const what = `signing key "${keyId}"`;
      const key = ownEntry(webhooks.signingKeys, keyId);
      if (!key) throw new WebhookSecretRefusedError(`${what} is not configured`);
      allowed(what, key.destinations, url);
      const names = [key.secret, ...(key.previousSecrets ?? [])];
      return Promise.all(names.map((name) => read(what, name)));
    },
    async headerValue(id, url) {
      const what = `secret header "${id}"`;
      const header = ownEntry(webhooks.secretHeaders, id);
      if (!header) throw new WebhookSecretRefusedError(`${what} is not configured`);
      allowed(what, header.destinations, url);
      return read(what, header.secret);
    },
  };
}
