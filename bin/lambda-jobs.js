#!/usr/bin/env node
// Launcher for `npx lambda-jobs`: runs bin/lambda-jobs.ts through tsx, in this process.
import { tsImport } from 'tsx/esm/api';

await tsImport('./lambda-jobs.ts', import.meta.url);
