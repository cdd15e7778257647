import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import {
  emulatorClients,
  provisionTestResources,
  testConfig,
} from './support/emulated-resources.ts';
import { rawHttp } from './support/raw-http.ts';

/** A ListTables / ListQueues call as the SDK sends it, minus the signature nobody checks. */
function listCall(service: 'dynamodb' | 'sqs', headers: Record<string, string>) {
  const target = service === 'dynamodb' ? 'DynamoDB_20120810.ListTables' : 'AmazonSQS.ListQueues';
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': target,
      authorization: `AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      ...headers,
    },
    body: '{}',
  };
}

describe('local emulators', () => {
  it('provisions the queues, DLQs and table the config names', async () => {
    const resources = await provisionTestResources(testConfig());
    const { sqs, dynamodb } = emulatorClients();
    const listed = await sqs.send(new ListQueuesCommand({}));
    expect(listed.QueueUrls).toContain(resources.queues.default?.url);
    expect(listed.QueueUrls).toContain(resources.queues.default?.dlqUrl);
    const table = await dynamodb.send(new DescribeTableCommand({ TableName: resources.tableName }));
    expect(table.Table?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('byQueueStatus');
  });

  describe.each([
    ['DynamoDB Local', 'dynamodb', inject('dynamodbEndpoint')],
    ['fauxqs', 'sqs', inject('sqsEndpoint')],
  ] as const)('%s', (_, service, endpoint) => {
    const port = new URL(endpoint).port;

    it('answers its own Host, 127.0.0.1:PORT and localhost:PORT', async () => {
      // Act
      const byAddress = await rawHttp(endpoint, listCall(service, { host: `127.0.0.1:${port}` }));
      const byName = await rawHttp(endpoint, listCall(service, { host: `localhost:${port}` }));

      // Assess
      expect(byAddress.status).toBe(200);
      expect(byName.status).toBe(200);
    });

    it.each([
      ['a foreign name (DNS rebinding)', `evil.example:PORT`],
      ['a foreign name without port', 'evil.example'],
      ['a loopback name on another port', 'localhost:1'],
    ])('refuses a Host of %s with 403', async (_, host) => {
      // Act
      const answer = await rawHttp(
        endpoint,
        listCall(service, { host: host.replace('PORT', port) }),
      );

      // Assess
      expect(answer.status).toBe(403);
      expect(answer.text).not.toContain('TableNames');
      expect(answer.text).not.toContain('QueueUrls');
    });

    it("answers Node's own fetch, which sends Sec-Fetch-Mode but no Origin", async () => {
      // Act
      const answer = await fetch(endpoint, listCall(service, {}));

      // Assess
      expect(answer.status).toBe(200);
    });

    it.each([
      ['Origin', { origin: 'http://evil.example' }],
      ['Sec-Fetch-Site', { 'sec-fetch-site': 'cross-site' }],
    ])('refuses a request a web page sent (%s) with 403', async (_, headers) => {
      // Act
      const answer = await rawHttp(endpoint, listCall(service, headers));

      // Assess
      expect(answer.status).toBe(403);
    });
  });
});
