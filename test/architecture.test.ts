import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

function sourceFiles(folder: string): string[] {
  const dir = path.join(root, folder);
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(path.join(folder, entry));
    return entry.endsWith('.ts') ? [path.join(folder, entry)] : [];
  });
}

/** Every module a file imports (static or dynamic), resolved relative to the repo. */
function importsOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map(
    (m) => m[1]!,
  );
  return specifiers.map((s) =>
    s.startsWith('.') ? path.relative(root, path.resolve(root, path.dirname(file), s)) : s,
  );
}

function violations(folder: string, forbidden: (target: string) => boolean): string[] {
  return sourceFiles(folder).flatMap((file) =>
    importsOf(file)
      .filter(forbidden)
      .map((target) => `${file} imports ${target}`),
  );
}

describe('architecture', () => {
  it('keeps lib/ (infrastructure) from importing runtime/, jobs/ or functions/: code by path only', () => {
    expect(violations('lib', (t) => /^(runtime|jobs|functions)\//.test(t))).toEqual([]);
  });

  it('keeps runtime/ from importing lib/, the CDK, jobs/ or functions/', () => {
    expect(
      violations(
        'runtime',
        (t) => /^(lib|jobs|functions|local|bin)\//.test(t) || /^(aws-cdk-lib|constructs)/.test(t),
      ),
    ).toEqual([]);
  });

  it('keeps the AWS SDK inside runtime/adapters/aws', () => {
    const outside = sourceFiles('runtime').filter((f) => !f.startsWith('runtime/adapters/aws/'));
    const found = outside.flatMap((file) =>
      importsOf(file)
        .filter((t) => t.startsWith('@aws-sdk/'))
        .map((t) => `${file} imports ${t}`),
    );
    expect(found).toEqual([]);
  });

  it('keeps config/ free of the layers that read it', () => {
    expect(
      violations('config', (t) => /^(lib|runtime|jobs|functions|local|bin)\//.test(t)),
    ).toEqual([]);
  });

  it('keeps Lambda entry points thin (a few lines around runtime/)', () => {
    const long = sourceFiles('functions').filter(
      (f) => readFileSync(path.join(root, f), 'utf8').split('\n').length > 40,
    );
    expect(long).toEqual([]);
  });
});
