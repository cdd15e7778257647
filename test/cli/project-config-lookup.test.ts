import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliUsageError } from '../../packages/lambda-jobs/src/cli/cli-errors.ts';
import { findConfigFile, loadProject } from '../../packages/lambda-jobs/src/cli/project.ts';

/** A folder tree: `files` are paths relative to its root, written empty. */
function tree(files: readonly string[]): string {
  const root = mkdtempSync(path.join(tmpdir(), 'lambda-jobs-lookup-'));
  for (const file of files) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), '');
  }
  return root;
}

describe('finding lambda-jobs.config.ts', () => {
  it('finds it at the project root from a folder inside the project', () => {
    const root = tree(['shop/package.json', 'shop/lambda-jobs.config.ts', 'shop/src/api/x.ts']);
    expect(findConfigFile(path.join(root, 'shop/src/api'))).toBe(
      path.join(root, 'shop/lambda-jobs.config.ts'),
    );
  });

  it('never looks above the project root, where anyone may have put one', () => {
    const root = tree(['lambda-jobs.config.ts', 'shop/package.json', 'shop/src/x.ts']);
    expect(findConfigFile(path.join(root, 'shop/src'))).toBeUndefined();
  });

  it('looks only in the folder itself when no project surrounds it', () => {
    const root = tree(['lambda-jobs.config.ts', 'loose/notes.txt']);
    expect(findConfigFile(path.join(root, 'loose'))).toBeUndefined();
    expect(findConfigFile(root)).toBe(path.join(root, 'lambda-jobs.config.ts'));
  });
});

describe('loading the project', () => {
  it('names the config file when it throws while loading', async () => {
    // Prepare
    const root = tree(['package.json']);
    writeFileSync(
      path.join(root, 'lambda-jobs.config.ts'),
      "throw new Error('SHOP_ENV is not set');\nexport default {};\n",
    );

    // Act
    const loading = loadProject(root, 'deployed');

    // Assess
    await expect(loading).rejects.toThrow(CliUsageError);
    await expect(loading).rejects.toThrow(
      `${path.join(root, 'lambda-jobs.config.ts')} failed to load: SHOP_ENV is not set`,
    );
  });
});
