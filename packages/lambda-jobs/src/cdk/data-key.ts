import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AnyPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface JobsDataKeyProps {
  /** The key's alias, without `alias/`. */
  readonly aliasName: string;
  /** S3 may use it too: it encrypts the payload bucket (`largePayloads`). Default false. */
  readonly usedByS3?: boolean;
}

/** The AWS services that use the key on a caller's behalf: SQS (queues, DLQs) and DynamoDB. */
const SERVICES = ['sqs', 'dynamodb'] as const;

/**
 * The customer-managed KMS key (`encryption.dataKey: 'customer-managed'`) that encrypts the job
 * table, every queue and every DLQ: job payloads (webhook bodies, headers) at rest. Rotated
 * yearly and retained when the stack is deleted (the table is retained too, and needs it).
 *
 * Its policy mirrors the AWS-managed `aws/sqs` and `aws/dynamodb` keys: principals of this
 * account may use it only through SQS or DynamoDB (`kms:ViaService`, `kms:CallerAccount`), so
 * whoever the stack lets send to a queue or write the table can do so, and nobody can decrypt
 * with it directly. Unlike an AWS-managed key it can be disabled, audited per use in
 * CloudTrail, and kept from other accounts.
 *
 * @example
 * ```ts
 * const dataKey = new JobsDataKey(this, 'DataKey', { aliasName: 'shop-jobs-data' });
 * new Queue(this, 'Q', { encryption: QueueEncryption.KMS, encryptionMasterKey: dataKey.key });
 * ```
 */
export class JobsDataKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: JobsDataKeyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new Key(this, 'Key', {
      description: 'Encrypts the lambda-jobs job table, queues and dead-letter queues',
      alias: `alias/${props.aliasName}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'UseThroughSqsAndDynamoDbInThisAccount',
        principals: [new AnyPrincipal()],
        actions: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncrypt*',
          'kms:GenerateDataKey*',
          'kms:CreateGrant',
          'kms:DescribeKey',
        ],
        resources: ['*'],
        conditions: {
          StringEquals: {
            'kms:CallerAccount': stack.account,
            'kms:ViaService': [...SERVICES, ...(props.usedByS3 ? ['s3'] : [])].map(
              (service) => `${service}.${stack.region}.amazonaws.com`,
            ),
          },
        },
      }),
    );
  }
}
