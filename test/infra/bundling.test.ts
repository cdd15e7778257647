import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaJobs } from '../../packages/lambda-jobs/src/cdk/lambda-jobs.ts';
import { addSecurityChecks } from '../../packages/lambda-jobs/src/cdk/security-checks.ts';
import { CDK_JSON_CONTEXT, testConfig, testProps } from './infra-fixtures.ts';

/**
 * What `npm run synth` does: real esbuild bundles, cdk-nag on, into a cloud assembly. Written
 * under cdk.out/ in the project, so a bundle finds the AWS SDK in node_modules as the Lambda
 * runtime would provide it.
 */
const cdkOut = path.resolve(import.meta.dirname, '../../cdk.out');
mkdirSync(cdkOut, { recursive: true });
const outdir = mkdtempSync(path.join(cdkOut, 'test-synth-'));
let bundles: Map<string, string>;

beforeAll(() => {
  const app = new App({ outdir, context: CDK_JSON_CONTEXT });
  const stack = new Stack(app, 'shop');
  new LambdaJobs(
    stack,
    'Jobs',
    testProps({
      config: testConfig((input) => ({
        ...input,
        alerting: { emails: [], slackWebhookSecretName: 'shop/slack-webhook' },
      })),
    }),
  );
  addSecurityChecks(app);
  app.synth();
  const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  bundles = new Map(
    Object.values(functions).map((fn) => {
      const { Properties } = fn as {
        Properties: { FunctionName: string; Code: { S3Key: string } };
      };
      const hash = Properties.Code.S3Key.replace(/\.zip$/, '');
      return [Properties.FunctionName, path.join(outdir, `asset.${hash}`)];
    }),
  );
}, 120_000);

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

/** The environment the stack sets (values are never used at load). */
const STACK_ENV = {
  PATH: process.env.PATH,
  AWS_REGION: 'eu-west-1',
  LAMBDA_JOBS_TABLE: 'shop-jobs',
  LAMBDA_JOBS_QUEUE_URLS: JSON.stringify({
    default: {
      url: 'https://sqs.eu-west-1.amazonaws.com/1/shop-default',
      dlqUrl: 'https://sqs.eu-west-1.amazonaws.com/1/shop-default-dlq',
    },
    slow: {
      url: 'https://sqs.eu-west-1.amazonaws.com/1/shop-slow',
      dlqUrl: 'https://sqs.eu-west-1.amazonaws.com/1/shop-slow-dlq',
    },
  }),
  LAMBDA_JOBS_WORKER_QUEUE: 'default',
  LAMBDA_JOBS_SLACK_WEBHOOK_SECRET: 'shop/slack-webhook',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

/** What a bundle leaves behind once imported: its handler's type and the undici modules loaded. */
interface LoadedBundle {
  readonly handler: string;
  readonly undici: string;
}

/** Imports the bundle in `dir` in a fresh Node process, as Lambda does. */
function loadBundle(dir: string): LoadedBundle {
  const url = pathToFileURL(path.join(dir, 'index.mjs')).href;
  const output = execFileSync(
    process.execPath,
    [
      '--enable-source-maps',
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(url)});
       const undici = process.moduleLoadList.filter((name) => name.includes('undici')).join();
       console.log(JSON.stringify({ handler: typeof m.handler, undici }));`,
    ],
    { env: STACK_ENV, encoding: 'utf8' },
  );
  return JSON.parse(output) as LoadedBundle;
}

let loaded: Map<string, LoadedBundle>;

beforeAll(() => {
  loaded = new Map([...bundles].map(([name, dir]) => [name, loadBundle(dir)]));
}, 60_000);

describe('synthesis with bundling and security checks', () => {
  it('bundles the worker, the monitor and the notifier', () => {
    expect([...bundles.keys()].sort()).toEqual([
      'shop-monitor',
      'shop-slack-notifier',
      'shop-worker-default',
      'shop-worker-slow',
    ]);
  });

  it('writes minified ES modules with source maps and a require shim', () => {
    for (const [name, dir] of bundles) {
      const code = readFileSync(path.join(dir, 'index.mjs'), 'utf8');
      expect(
        code.startsWith("import { createRequire as __createRequire } from 'node:module';"),
        name,
      ).toBe(true);
      expect(code, name).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
      // Minified: a few very long lines (template literals keep their own line breaks).
      expect(code.length / code.split('\n').length, name).toBeGreaterThan(1000);
      expect(code, name).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      expect(existsSync(path.join(dir, 'index.mjs.map')), name).toBe(true);
    }
  });

  it('loads each bundle on Node 24 as Lambda does, exporting its handler', () => {
    for (const [name, { handler }] of loaded) expect(handler, name).toBe('function');
  });

  it("loads no bundle with Node's built-in fetch (undici) at init", () => {
    // An ES module import of `node:http` does (its lazy WebSocket exports): about 40 ms of
    // every cold start. The worker's outbound requests take the module as a built-in instead.
    for (const [name, { undici }] of loaded) expect(undici, name).toBe('');
  });

  it('leaves the AWS SDK to the Lambda runtime', () => {
    const code = readFileSync(path.join(bundles.get('shop-monitor')!, 'index.mjs'), 'utf8');
    expect(code).toMatch(/from\s*"@aws-sdk\/client-cloudwatch"/);
  });
});
