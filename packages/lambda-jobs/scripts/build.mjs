// Builds dist/: JavaScript and .d.ts from src/ (tsc), plus the files tsc does not copy (the
// dashboard's static assets and the DynamoDB Local launcher's Java source).
import { execSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const packageDir = path.resolve(import.meta.dirname, '..');
const dist = path.join(packageDir, 'dist');

rmSync(dist, { recursive: true, force: true });
execSync('tsc -p tsconfig.json', { cwd: packageDir, stdio: 'inherit' });
// tsc rewrites `./x.ts` to `./x.js` in JavaScript but not in declarations; consumers compile
// without allowImportingTsExtensions, so the declarations get the same specifiers.
const relativeTsSpecifier = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g;
for (const file of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.d.ts')) continue;
  const full = path.join(dist, file);
  const text = readFileSync(full, 'utf8');
  const rewritten = text.replace(relativeTsSpecifier, '$1$2.js$3');
  if (rewritten !== text) writeFileSync(full, rewritten);
}
for (const folder of ['local/dashboard/public', 'local/dynamodb-local']) {
  cpSync(path.join(packageDir, 'src', folder), path.join(dist, folder), { recursive: true });
}
