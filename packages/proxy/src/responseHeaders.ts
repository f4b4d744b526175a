/**
 * The headers of deployment responses. Those of a (file, path, encoding,
 * host kind) never change within a deployment, so they are computed once
 * per manifest and shared; each response copies them before adding its own.
 */
import type { ServerResponse } from 'node:http';
import { etagFor } from './conditional';
import { cacheControlFor, isCompressible, type Encoding } from './encoding';
import type { LoadedManifest } from './files';
import type { FilePlan, RedirectPlan } from './plan';
import { headersFor } from './rules';

/** Headers every deployment response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
};

/** Most header sets kept per manifest. */
const MAX_PER_MANIFEST = 10_000;

export function sendRedirect(res: ServerResponse, plan: RedirectPlan): void {
  res.writeHead(plan.status, {
    ...SECURITY_HEADERS,
    ...plan.hsts,
    Location: plan.location,
    'Cache-Control': 'public, max-age=0, must-revalidate',
    'Content-Length': '0',
  });
  res.end();
}

/** The ETag of a file as sent in `encoding` (each encoding has its own). */
export function etagOf(plan: FilePlan, encoding: Encoding | undefined) {
  const { hash } = plan.file.entry;
  return etagFor(encoding ? `${hash}-${encoding}` : hash);
}

/** The shared header sets, dropped with their manifest. */
export class ResponseHeaderCache {
  private readonly byManifest = new WeakMap<
    LoadedManifest,
    Map<string, Readonly<Record<string, string>>>
  >();

  /** The headers of `plan` in `encoding` (no Content-Length): shared, never to be changed. */
  get(
    plan: FilePlan,
    encoding: Encoding | undefined,
  ): Readonly<Record<string, string>> {
    const { target, manifest, file, contentType } = plan;
    const key = `${target.via}\0${target.path}\0${file.key}\0${encoding ?? ''}`;
    let perManifest = this.byManifest.get(manifest);
    const cached = perManifest?.get(key);
    if (cached) return cached;
    const headers: Record<string, string> = {
      ...SECURITY_HEADERS,
      ...(manifest.headers
        ? headersFor(manifest.headers, `/${target.path}`)
        : {}),
      ...plan.hsts,
      'Content-Type': contentType,
      'Cache-Control': cacheControlFor(file.key),
      ETag: etagOf(plan, encoding),
      'Accept-Ranges': 'bytes',
      'X-Novahost-Deployment': target.deploymentId,
    };
    // Previews and per-deployment hosts are not the site: search engines
    // must not index them (as Vercel does), whatever `_headers` says.
    if (target.via !== 'production') headers['X-Robots-Tag'] = 'noindex';
    if (isCompressible(contentType)) headers.Vary = 'Accept-Encoding';
    if (manifest.createdAt) {
      headers['Last-Modified'] = manifest.createdAt.toUTCString();
    }
    if (!perManifest) {
      perManifest = new Map();
      this.byManifest.set(manifest, perManifest);
    }
    if (perManifest.size < MAX_PER_MANIFEST) perManifest.set(key, headers);
    return headers;
  }
}
