import type { PayloadStore } from '../../ports.ts';
import { loadS3 } from './s3-client-loader.ts';
import { createS3PayloadReader } from './s3-payload-reader.ts';

/**
 * The payload bucket through S3: puts (producers) and reads (workers). The S3 SDK is loaded on
 * the first large payload, so workers and producers whose jobs all fit in their messages never
 * load it.
 *
 * @example
 * ```ts
 * const payloads = createS3PayloadStore('shop-jobs-payloads-123456789012-eu-west-1');
 * await payloads.put('payloads/j1/ab….json', '{"rows":[…]}');
 * ```
 */
export function createS3PayloadStore(bucket: string): PayloadStore {
  return {
    ...createS3PayloadReader(bucket),
    async put(key, body) {
      const { sdk, client } = await loadS3();
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
        }),
      );
    },
  };
}
