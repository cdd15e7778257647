import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { payloadExpiryDays } from '../config/large-payloads.ts';
import { PAYLOAD_KEY_PREFIX } from '../runtime/payload-reference.ts';

export interface PayloadBucketProps {
  /** `largePayloads.maxDelaySeconds`: the longest a job whose payload is here may wait. */
  readonly maxDelaySeconds: number;
  /** `JOBS_RESULTS_RETENTION`: `jobs retry` may re-send a finished job's message that long. */
  readonly resultsRetentionSeconds: number;
  /** The customer-managed data key (`encryption.dataKey`); default S3-managed keys. */
  readonly encryptionKey?: IKey | undefined;
}

/**
 * The bucket large payloads go through (`largePayloads`, `docs/large-payloads.md`): a job whose
 * message would exceed the threshold is stored here as `payloads/<job id>/<sha256>.json` and
 * its message carries the reference.
 *
 * - Encrypted (S3-managed keys, or the customer-managed data key), TLS only, all public access
 *   blocked, objects owned by the bucket owner (no ACLs), no versions.
 * - Objects expire after {@link payloadExpiryDays}: the longest wait, plus the longer of the
 *   record retention and the DLQ's 14 days, plus a day, so that a retry, `jobs retry` or a DLQ
 *   redrive still finds the object. Nothing else deletes objects; an object whose message
 *   could not be sent stays until then.
 * - Grants are per object key prefix and per action: the workers read
 *   ({@link grantReadPayloads}), producers write ({@link grantPutPayloads}); nobody lists or
 *   deletes.
 *
 * @example
 * ```ts
 * const payloads = new PayloadBucket(this, 'Payloads', { maxDelaySeconds: 604_800, resultsRetentionSeconds: 604_800 });
 * payloads.grantPutPayloads(apiFunction);
 * ```
 */
export class PayloadBucket extends Construct {
  readonly bucket: Bucket;
  /** Days after which an object expires. */
  readonly expiryDays: number;

  constructor(scope: Construct, id: string, props: PayloadBucketProps) {
    super(scope, id);
    this.expiryDays = payloadExpiryDays(props.maxDelaySeconds, props.resultsRetentionSeconds);
    this.bucket = new Bucket(this, 'Bucket', {
      ...(props.encryptionKey
        ? {
            encryption: BucketEncryption.KMS,
            encryptionKey: props.encryptionKey,
            bucketKeyEnabled: true,
          }
        : { encryption: BucketEncryption.S3_MANAGED }),
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      lifecycleRules: [
        {
          id: 'expire-payloads',
          prefix: PAYLOAD_KEY_PREFIX,
          expiration: Duration.days(this.expiryDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      // Payloads are transient copies of job data: they go with the stack.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Payload objects are transient job data that expire by lifecycle; reads and writes are by the stack roles only and show in CloudTrail data events when enabled. Server access logs would add a log bucket and a log object per request.',
    });
  }

  /** The ARN of every payload object: grants never cover other keys. */
  get objectsArn(): string {
    return this.bucket.arnForObjects(`${PAYLOAD_KEY_PREFIX}*`);
  }

  /** `s3:GetObject` on the payload objects: what a worker needs to run referenced jobs. */
  grantReadPayloads(grantee: IGrantable): void {
    this.grantOnPayloads(grantee, 's3:GetObject');
  }

  /** `s3:PutObject` on the payload objects: what a producer needs to enqueue large payloads. */
  grantPutPayloads(grantee: IGrantable): void {
    this.grantOnPayloads(grantee, 's3:PutObject');
  }

  /** Acknowledges, on `holder`, the `payloads/*` resource of the grants for cdk-nag. */
  acknowledgePayloadWildcard(holder: IConstruct): void {
    const bucketId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket);
    Validations.of(holder).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/payloads/*]`,
      reason:
        'Payload object keys hold job ids, unknown at synth: the grant covers the payloads/ prefix of the payload bucket, one action per grant, and nothing else.',
    });
  }

  private grantOnPayloads(grantee: IGrantable, action: string): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({ actions: [action], resources: [this.objectsArn] }),
    );
    // The statement lands in the principal's policy (a function's role), so acknowledge there.
    const holder = Construct.isConstruct(grantee.grantPrincipal) ? grantee.grantPrincipal : grantee;
    if (Construct.isConstruct(holder)) this.acknowledgePayloadWildcard(holder);
  }
}
