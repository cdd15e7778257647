import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { PayloadReferenceError } from '../../errors.ts';
import type { PayloadStore } from '../../ports.ts';

/** S3 errors no retry can change: the job is ERRORED naming the object. */
const PERMANENT_ERRORS = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound', 'AccessDenied']);

type S3Module = typeof import('@aws-sdk/client-s3');

/**
 * The payload bucket through S3. The SDK's S3 client is loaded on the first large payload
 * (`import()`), so workers and producers whose jobs all fit in their messages never load it:
 * no cold-start cost. With `AWS_ENDPOINT_URL_S3` (dev mode, tests: fauxqs) requests go there,
 * path-style.
 *
 * @example
 * ```ts
 * const payloads = createS3PayloadStore('shop-jobs-payloads-123456789012-eu-west-1');
 * await payloads.put('payloads/j1/ab….json', '{"rows":[…]}');
 * ```
 */
export function createS3PayloadStore(
  bucket: string,
  env: NodeJS.ProcessEnv = process.env,
): PayloadStore {
  let loaded: Promise<{ sdk: S3Module; client: S3Client }> | undefined;
  const s3 = () => {
    loaded ??= import('@aws-sdk/client-s3').then((sdk) => {
      const endpoint = env.AWS_ENDPOINT_URL_S3;
      return {
        sdk,
        client: new sdk.S3Client(endpoint ? { endpoint, forcePathStyle: true } : {}),
      };
    });
    return loaded;
  };
  return {
    bucket,
    async put(key, body) {
      const { sdk, client } = await s3();
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
        }),
      );
    },
    async get(key, maxBytes) {
      const { sdk, client } = await s3();
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
