import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** The Secrets Manager client module of the AWS SDK. */
type SecretsManagerSdk = typeof import('@aws-sdk/client-secrets-manager');

let secretsManagerSdk: Promise<SecretsManagerSdk> | undefined;

/**
 * `@aws-sdk/client-secrets-manager`, imported on the first secret fetched from Secrets Manager
 * and then reused: a process that never resolves one (no `secretRef`, or only `env:NAME`) does
 * not load it at cold start.
 */
function loadSecretsManagerSdk(): Promise<SecretsManagerSdk> {
  secretsManagerSdk ??= import('@aws-sdk/client-secrets-manager');
  return secretsManagerSdk;
}

/** Resolves a secret by reference, e.g. for signing keys. */
export type SecretResolver = (reference: string) => Promise<string>;

export interface SecretResolverOptions {
  readonly client?: SecretsManagerClient;
  /** How long a fetched value is reused, ms. Default 5 minutes. */
  readonly cacheMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => number;
}

/**
 * Resolves `env:NAME` from an environment variable (dev mode, tests) and anything else as a
 * Secrets Manager secret name or ARN, cached for a few minutes per warm container. The Secrets
 * Manager SDK module (and, without `options.client`, the client) is loaded on the first fetch.
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
  const env = options.env ?? process.env;
  const cache = new Map<string, { value: string; fetchedAt: number }>();
  let client = options.client;
  return async (reference) => {
    if (reference.startsWith('env:')) {
      const name = reference.slice(4);
      const value = env[name];
      if (value === undefined || value === '') {
        throw new Error(`Secret reference "${reference}": environment variable ${name} is not set`);
      }
      return value;
    }
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
