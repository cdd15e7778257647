import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

function sourceFiles(folder: string): string[] {
  // A folder that is gone throws: a rule over nothing would pass and prove nothing.
  const entries = readdirSync(path.join(root, folder));
  return entries.flatMap((entry) => {
    const full = path.join(root, folder, entry);
    if (statSync(full).isDirectory()) return sourceFiles(path.join(folder, entry));
    return entry.endsWith('.ts') ? [path.join(folder, entry)] : [];
  });
}

/** Every module a file imports (static or dynamic), as written; examples in comments are not. */
function specifiersOf(file: string): string[] {
  const text = readFileSync(path.join(root, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

/** Every module a file imports: files resolved relative to the repo, packages by name. */
function importsOf(file: string): string[] {
  return specifiersOf(file).map((s) =>
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

const SRC = 'packages/lambda-jobs/src';

/** The package's layers, relative to the repository root. */
const layer = (name: string) => `${SRC}/${name}`;

function inLayer(target: string, ...names: string[]): boolean {
  return names.some((name) => target === layer(name) || target.startsWith(`${layer(name)}/`));
}

describe('architecture', () => {
  it('keeps the package self-contained: nothing in it imports the reference app', () => {
    const outside = sourceFiles(SRC).flatMap((file) =>
      specifiersOf(file)
        .filter((s) => s.startsWith('.'))
        .map((s) => path.relative(root, path.resolve(root, path.dirname(file), s)))
        .filter((target) => !target.startsWith(`${SRC}/`))
        .map((target) => `${file} imports ${target}`),
    );
    expect(outside).toEqual([]);
  });

  it('builds the reference app only on the public entry points', () => {
    for (const folder of ['jobs', 'lib', 'functions', 'bin', 'demo']) {
      expect(violations(folder, (t) => t.startsWith('packages/'))).toEqual([]);
    }
  });

  it('keeps runtime/ from importing the CDK, dev mode, the CLI or the handlers', () => {
    expect(
      violations(
        layer('runtime'),
        (t) => inLayer(t, 'cdk', 'local', 'cli', 'handlers') || /^(aws-cdk-lib|constructs)/.test(t),
      ),
    ).toEqual([]);
  });

  it('keeps cdk/ to configuration and job facts: handler code reaches it by path only', () => {
    expect(violations(layer('cdk'), (t) => inLayer(t, 'local', 'cli', 'handlers'))).toEqual([]);
    expect(
      violations(layer('cdk'), (t) => inLayer(t, 'runtime/adapters', 'runtime/monitor')),
    ).toEqual([]);
  });

  it('keeps the AWS SDK inside runtime/adapters/aws', () => {
    const outside = sourceFiles(layer('runtime')).filter(
      (f) => !f.startsWith(`${layer('runtime/adapters/aws')}/`),
    );
    const found = outside.flatMap((file) =>
      importsOf(file)
        .filter((t) => t.startsWith('@aws-sdk/'))
        .map((t) => `${file} imports ${t}`),
    );
    expect(found).toEqual([]);
  });

  it('keeps config/ free of the layers that read it', () => {
    expect(
      violations(layer('config'), (t) => inLayer(t, 'cdk', 'runtime', 'local', 'cli', 'handlers')),
    ).toEqual([]);
  });

  it('keeps the handlers thin (a few lines around runtime/)', () => {
    const long = sourceFiles(layer('handlers')).filter(
      (f) => readFileSync(path.join(root, f), 'utf8').split('\n').length > 50,
    );
    expect(long).toEqual([]);
  });
});
