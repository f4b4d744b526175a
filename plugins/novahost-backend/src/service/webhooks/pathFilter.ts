import type { ProjectRow } from '../../database/tables';

/** `apps/web` of `./apps/web/`; '' for the repository root. */
export function normalizePrefix(p: string): string {
  return p
    .trim()
    .replace(/\/{2,}/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/^\.$/, '')
    .replace(/\/+$/, '');
}

/**
 * The repository paths whose changes deploy the project: its root
 * directory (unless that is the repository root) and its watch paths; with
 * no watch paths, the root directory alone. Empty: every change deploys.
 */
export function watchedPrefixes(
  project: Pick<ProjectRow, 'root_directory' | 'watch_paths'>,
): string[] {
  const root = normalizePrefix(project.root_directory ?? '');
  const watch = parseWatchPaths(project.watch_paths).map(normalizePrefix);
  if (watch.length === 0) return root ? [root] : [];
  // A watch path of '' (or '.') is the whole repository: no filter.
  if (watch.includes('')) return [];
  return [...new Set(root ? [root, ...watch] : watch)];
}

function parseWatchPaths(text: string | null): string[] {
  if (!text) return [];
  try {
    const parsed = JSON.parse(text);
    return Array.isArray(parsed)
      ? parsed.filter((p): p is string => typeof p === 'string')
      : [];
  } catch {
    return [];
  }
}

/** Whether `file` is `prefix` or inside it. */
function under(file: string, prefix: string): boolean {
  return file === prefix || file.startsWith(`${prefix}/`);
}

/** The first changed file under one of `prefixes` (all do when there are none). */
export function firstTouched(
  files: Iterable<string>,
  prefixes: string[],
): string | undefined {
  for (const f of files) {
    const file = f.replace(/^\/+/, '');
    if (prefixes.length === 0 || prefixes.some(p => under(file, p))) {
      return file;
    }
  }
  return undefined;
}

/** How a skip reads: `no change under apps/web or packages/ui`. */
export function describePrefixes(prefixes: string[]): string {
  if (prefixes.length <= 1) return prefixes.join('');
  return `${prefixes.slice(0, -1).join(', ')} or ${prefixes.at(-1)}`;
}
