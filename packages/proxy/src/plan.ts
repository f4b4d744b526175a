/**
 * The request plan: which response a request gets, decided from the
 * routing table and the deployment's manifest alone. Pure and synchronous:
 * no I/O, no clock, no socket. A plan is deterministic for a routing table
 * (manifests are immutable), so the handler caches it per table.
 */
import type { ProxyErrorCode } from './errors';
import {
  CONFIG_FILES,
  resolveFile,
  type LoadedManifest,
  type ResolvedFile,
} from './files';
import { contentTypeFor } from './mime';
import { parseRequestPath } from './paths';
import { matchRedirect } from './rules';
import { resolveTarget, type RoutingIndex, type SiteTarget } from './routing';

export interface RedirectPlan {
  kind: 'redirect';
  status: number;
  location: string;
  hsts?: Record<string, string>;
}

export interface FilePlan {
  kind: 'file';
  status: 200 | 404;
  target: SiteTarget;
  manifest: LoadedManifest;
  file: ResolvedFile;
  contentType: string;
  hsts?: Record<string, string>;
  /**
   * The complete flat header list of a plain, uncompressed 200 GET of
   * this file, set by the first such response: the hot path's answer.
   */
  raw?: string[];
}

export type Plan =
  | RedirectPlan
  | FilePlan
  /** Answered with the error page of `code`. */
  | { kind: 'error'; code: ProxyErrorCode }
  /** The manifest of `deploymentId` is not in memory: load it, plan again. */
  | { kind: 'load'; deploymentId: string };

export interface PlanInput {
  index: RoutingIndex;
  /** The Host header. */
  host: string | undefined;
  /** The request target (`req.url`): path and query. */
  url: string | undefined;
  /** A manifest already in memory, or undefined (the plan is then `load`). */
  manifest(deploymentId: string): LoadedManifest | undefined;
  /** `Strict-Transport-Security` for production hosts; none when undefined. */
  hsts?: string;
}

/** A decoded manifest path as a URL path (each segment percent-encoded). */
function urlPath(path: string): string {
  return `/${path.split('/').map(encodeURIComponent).join('/')}`;
}

function queryOf(url: string | undefined): string {
  const q = url?.indexOf('?') ?? -1;
  return q === -1 ? '' : url!.slice(q + 1);
}

const NOT_FOUND: Plan = { kind: 'error', code: 'not_found' };

/**
 * Plans a request: host → deployment ({@link resolveTarget}), then in its
 * manifest `_redirects` (forced rules always, others only where no file
 * answers), trailing-slash redirects as static hosts do them, and the file
 * that answers with its status (exact, clean URL, SPA fallback, 404.html).
 */
export function planRequest(input: PlanInput): Plan {
  const resolved = resolveTarget(input.index, input.host, input.url);
  if (!resolved.ok) return { kind: 'error', code: resolved.code };
  const { target } = resolved;
  const manifest = input.manifest(target.deploymentId);
  if (!manifest) return { kind: 'load', deploymentId: target.deploymentId };
  const hsts =
    input.hsts && target.via === 'production'
      ? { 'Strict-Transport-Security': input.hsts }
      : undefined;
  const redirect = (status: number, location: string): Plan => ({
    kind: 'redirect',
    status,
    location,
    hsts,
  });

  const query = queryOf(input.url);
  let path = target.path;
  const has = (key: string) =>
    !CONFIG_FILES.has(key) && manifest.files.has(key);
  const exact =
    path === '' || path.endsWith('/')
      ? has(`${path}index.html`)
      : has(path) || has(`${path}.html`);

  let forcedStatus: 404 | undefined;
  if (manifest.redirects) {
    const rule = matchRedirect(manifest.redirects, `/${path}`, query, exact);
    if (rule?.kind === 'redirect') return redirect(rule.status, rule.location);
    if (rule?.kind === 'rewrite') {
      const rewritten = parseRequestPath(rule.path);
      if (!rewritten.ok) return NOT_FOUND;
      path = rewritten.path;
      if (rule.status === 404) forcedStatus = 404;
    }
  }

  // Trailing slashes: a folder's index lives at `/docs/`, a file at
  // `/about`. The query string is kept.
  const q = query ? `?${query}` : '';
  if (!forcedStatus && path === target.path && path !== '') {
    if (
      !path.endsWith('/') &&
      !has(path) &&
      !has(`${path}.html`) &&
      has(`${path}/index.html`)
    ) {
      return redirect(308, `${urlPath(path)}/${q}`);
    }
    if (
      path.endsWith('/') &&
      !has(`${path}index.html`) &&
      has(`${path.slice(0, -1)}.html`)
    ) {
      return redirect(308, `${urlPath(path.slice(0, -1))}${q}`);
    }
  }

  const file = resolveFile(manifest, path, { spa: target.project.spa });
  if (!file) return NOT_FOUND;
  return {
    kind: 'file',
    status: forcedStatus ?? file.status,
    target,
    manifest,
    file,
    contentType: contentTypeFor(file.key),
    hsts,
  };
}
