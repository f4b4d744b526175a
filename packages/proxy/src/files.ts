/**
 * Chooses which file of a deployment answers a request path. Pure: works
 * on an already loaded manifest.
 */
import type { ManifestEntry } from '@internal/plugin-novahost-common';
import { candidateKeys } from './paths';
import type { HeaderRule, RedirectRule } from './rules';

/** A manifest prepared for lookups (a Map: no prototype keys). */
export interface LoadedManifest {
  deploymentId: string;
  files: ReadonlyMap<string, ManifestEntry>;
  /** When the deployment was made: every file's Last-Modified. */
  createdAt?: Date;
  /** Parsed `_redirects` and `_headers`, when the deployment has them. */
  redirects?: RedirectRule[];
  headers?: HeaderRule[];
}

/** Files that configure the deployment and are never served. */
export const CONFIG_FILES = new Set(['_redirects', '_headers']);

export interface ResolvedFile {
  status: 200 | 404;
  key: string;
  entry: ManifestEntry;
  /** Why this file was chosen when it is not the one the path names. */
  fallback?: 'spa' | '404';
}

/**
 * Resolves `path` (from {@link parseRequestPath}) in `manifest`: exact file,
 * then clean URLs; when nothing matches, `index.html` with 200 for SPAs, else
 * the deployment's `404.html` with 404. Undefined when none of these exist.
 */
export function resolveFile(
  manifest: LoadedManifest,
  path: string,
  options: { spa: boolean },
): ResolvedFile | undefined {
  for (const key of candidateKeys(path)) {
    if (CONFIG_FILES.has(key)) continue;
    const entry = manifest.files.get(key);
    if (entry) return { status: 200, key, entry };
  }
  if (options.spa) {
    const entry = manifest.files.get('index.html');
    if (entry)
      return { status: 200, key: 'index.html', entry, fallback: 'spa' };
  }
  const notFound = manifest.files.get('404.html');
  if (notFound) {
    return { status: 404, key: '404.html', entry: notFound, fallback: '404' };
  }
  return undefined;
}
