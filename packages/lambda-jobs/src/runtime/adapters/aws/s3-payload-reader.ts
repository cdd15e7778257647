import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { PayloadReferenceError } from '../../errors.ts';
import type { PayloadReader } from '../../ports.ts';
import { loadS3 } from './s3-client-loader.ts';

/** S3 errors no retry can change: the job is ERRORED naming the object. */
const PERMANENT_ERRORS = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound', 'AccessDenied']);

/**
 * Reads payload objects of one bucket (GetObject only: what the worker and the monitor's
 * `onAborted` hooks need). The S3 SDK is loaded on the first read.
 *
 * @example
 * ```ts
 * const reader = createS3PayloadReader('shop-jobs-payloads-…');
 * const json = await reader.get('payloads/j1/ab….json', 1_048_576);
 * ```
 */
export function createS3PayloadReader(bucket: string): PayloadReader {
  return {
    bucket,
    async get(key, maxBytes) {
      const { sdk, client } = await loadS3();
      let answer: GetObjectCommandOutput;
      try {
        answer = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
      } catch (error) {
        const name = (error as Error).name;
        if (PERMANENT_ERRORS.has(name)) {
          throw new PayloadReferenceError(bucket, key, `cannot be read (${name})`, {
            cause: error,
          });
        }
        throw error;
      }
      if (answer.ContentLength !== undefined && answer.ContentLength > maxBytes) {
        // The body is never read: end it, or its connection stays taken and, after as many
        // refusals as the client has sockets (50), every later S3 request waits for ever.
        (answer.Body as { destroy?: () => void } | undefined)?.destroy?.();
        throw new PayloadReferenceError(
          bucket,
          key,
          `the object is ${answer.ContentLength} bytes; the reference allows ${maxBytes}`,
        );
      }
      if (!answer.Body) throw new PayloadReferenceError(bucket, key, 'the object has no body');
      return answer.Body.transformToString('utf-8');
    },
  };
}
