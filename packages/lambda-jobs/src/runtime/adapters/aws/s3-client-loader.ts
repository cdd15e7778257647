import type { S3Client } from '@aws-sdk/client-s3';

/** The S3 SDK module and one client, loaded together. */
export interface LoadedS3 {
  readonly sdk: typeof import('@aws-sdk/client-s3');
  readonly client: S3Client;
}

let loaded: Promise<LoadedS3> | undefined;

/**
 * The S3 SDK and a client, loaded on first use (`import()`) and shared by the process: code
 * that never touches a large payload never loads the S3 SDK (no cold-start cost). With
 * `AWS_ENDPOINT_URL_S3` (dev mode, tests: fauxqs) requests go there, path-style.
 *
 * @example
 * ```ts
 * const { sdk, client } = await loadS3();
 * await client.send(new sdk.HeadBucketCommand({ Bucket: 'b' }));
 * ```
 */
export function loadS3(env: NodeJS.ProcessEnv = process.env): Promise<LoadedS3> {
  loaded ??= import('@aws-sdk/client-s3').then(
    (sdk) => {
      const endpoint = env.AWS_ENDPOINT_URL_S3;
      return {
        sdk,
        client: new sdk.S3Client(endpoint ? { endpoint, forcePathStyle: true } : {}),
      };
    },
    (error: unknown) => {
      // A failed load is not kept: the next large payload tries again.
      loaded = undefined;
      throw error;
    },
  );
  return loaded;
}
