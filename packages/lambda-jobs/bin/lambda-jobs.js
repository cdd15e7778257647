#!/usr/bin/env node
// `npx lambda-jobs <command>`. A project's lambda-jobs.config.ts and job modules are TypeScript,
// so tsx's loader is registered before the command line runs.
import { register } from 'tsx/esm/api';

register();
await import('lambda-jobs/cli');
