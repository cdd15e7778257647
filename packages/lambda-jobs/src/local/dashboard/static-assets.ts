/**
 * The dashboard's UI files (local/dashboard/public), read once into memory and served by exact
 * name only: `/` is index.html, every other file is `/assets/NAME`. Nothing comes from the
 * internet; the page works offline.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One file ready to send. */
export interface StaticAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Where the UI files live. */
export const PUBLIC_FOLDER = path.join(import.meta.dirname, 'public');

/**
 * Loads the UI files, keyed by the URL path that serves them.
 *
 * @example
 * ```ts
 * const assets = loadStaticAssets();
 * assets.get('/')?.contentType; // 'text/html; charset=utf-8'
 * ```
 */
export function loadStaticAssets(folder: string = PUBLIC_FOLDER): ReadonlyMap<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  for (const name of readdirSync(folder)) {
    const contentType = CONTENT_TYPES[path.extname(name)];
    if (!contentType) continue;
    const asset = { contentType, body: readFileSync(path.join(folder, name)) };
    assets.set(name === 'index.html' ? '/' : `/assets/${name}`, asset);
  }
  return assets;
}
