import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The Secrets Manager client module of the AWS SDK. */
type SecretsManagerSdk = typeof import('@aws-sdk/client-secrets-manager');

let secretsManagerSdk: Promise<SecretsManagerSdk> | undefined;

/**
 * `@aws-sdk/client-secrets-manager`, imported on the first secret fetched from Secrets Manager
 * and then reused: a process that never resolves one does not load it at cold start.
 */
function loadSecretsManagerSdk(): Promise<SecretsManagerSdk> {
  secretsManagerSdk ??= import('@aws-sdk/client-secrets-manager');
  return secretsManagerSdk;
}

/** Resolves a secret by its configured name, e.g. for signing keys. */
export type SecretResolver = (reference: string) => Promise<string>;

export interface SecretResolverOptions {
  readonly client?: SecretsManagerClient;
  /** How long a fetched value is reused, ms. Default 5 minutes. */
  readonly cacheMs?: number;
  readonly now?: () => number;
}

/**
 * Resolves a Secrets Manager secret name or ARN, cached for a few minutes per warm container.
 * Callers pass only names from configuration (never from a payload): what the worker may read
 * is also bounded by its IAM policy. The Secrets Manager SDK module (and, without
 * `options.client`, the client) is loaded on the first fetch.
 *
 * @example
 * ```ts
 * const resolveSecret = createSecretResolver();
 * const key = await resolveSecret('prod/webhooks/signing-key');
 * ```
 */
export function createSecretResolver(options: SecretResolverOptions = {}): SecretResolver {
  const cacheMs = options.cacheMs ?? 300_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { value: string; fetchedAt: number }>();
  let client = options.client;
  return async (reference) => {
    const cached = cache.get(reference);
    if (cached && now() - cached.fetchedAt < cacheMs) return cached.value;
    const sdk = await loadSecretsManagerSdk();
    client ??= new sdk.SecretsManagerClient({});
    const result = await client.send(new sdk.GetSecretValueCommand({ SecretId: reference }));
    if (result.SecretString === undefined) {
      throw new Error(
        `Secret "${reference}" has no string value (binary secrets are not supported)`,
      );
    }
    cache.set(reference, { value: result.SecretString, fetchedAt: now() });
    return result.SecretString;
  };
}
