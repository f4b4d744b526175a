/**
 * Request path handling. The URL path is percent-decoded exactly once, with
 * strict rules, into a relative POSIX path that is only ever used as a key
 * into the deployment's manifest: never joined onto a file system path. So a
 * request cannot reach anything but the files of the deployment it routed
 * to; the checks below reject the usual escape attempts early and loudly.
 */
import { isSafeManifestPath } from '@internal/plugin-novahost-common';

/** Longest request target (path and query) the proxy looks at. */
export const MAX_URL_LENGTH = 4096;

export type ParsedPath =
  | {
      ok: true;
      /**
       * Decoded path without the leading slash: `''` for `/`, `docs/` for
       * `/docs/`, `assets/app.js` for `/assets/app.js`.
       */
      path: string;
    }
  | { ok: false; code: 'bad_request' };

const BAD: ParsedPath = { ok: false, code: 'bad_request' };
const INVALID_PERCENT_RE = /%(?![0-9a-fA-F]{2})/;
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS_RE = /[\u0000-\u001f\u007f\\]/;

/**
 * Parses the request target (`req.url`) into a decoded relative path.
 * Rejects: anything but origin-form (`/…`), invalid percent-encoding,
 * invalid or overlong UTF-8, NUL and other control characters, backslashes
 * (raw or encoded), and empty, `.` or `..` segments (raw or encoded).
 */
export function parseRequestPath(rawUrl: string | undefined): ParsedPath {
  if (!rawUrl || rawUrl.length > MAX_URL_LENGTH || !rawUrl.startsWith('/')) {
    return BAD;
  }
  const q = rawUrl.indexOf('?');
  const raw = q === -1 ? rawUrl : rawUrl.slice(0, q);
  if (INVALID_PERCENT_RE.test(raw)) return BAD;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // Invalid UTF-8 sequences, overlong encodings (`%c0%ae`), lone surrogates.
    return BAD;
  }
  if (FORBIDDEN_CHARS_RE.test(decoded)) return BAD;
  const path = decoded.slice(1);
  if (path === '') return { ok: true, path };
  const segments = path.split('/');
  // A trailing slash leaves one empty last segment; that one is allowed.
  const last = segments.length - 1;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === '.' || segment === '..') return BAD;
    if (segment === '' && i !== last) return BAD;
  }
  return { ok: true, path };
}

/**
 * The manifest keys a path may name, in lookup order: the exact file first,
 * then the clean-URL forms (`about` → `about.html`, `about/index.html`;
 * `docs/` → `docs/index.html`; `` → `index.html`).
 */
export function candidateKeys(path: string): string[] {
  let keys: string[];
  if (path === '') {
    keys = ['index.html'];
  } else if (path.endsWith('/')) {
    keys = [`${path}index.html`];
  } else {
    keys = [path, `${path}.html`, `${path}/index.html`];
  }
  // Belt and braces: parseRequestPath already guarantees this.
  return keys.filter(isSafeManifestPath);
}
