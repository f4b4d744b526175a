/**
 * `_redirects` and `_headers` files in a deployment's output, in the syntax
 * Netlify and Cloudflare Pages share. Parsed once per deployment; matching
 * is a pure function of the rules and the request path.
 */

/** Most rules a file may hold; the rest are ignored (and logged). */
export const MAX_RULES = 2000;

export interface RedirectRule {
  from: Pattern;
  to: string;
  status: 200 | 301 | 302 | 303 | 307 | 308 | 404;
  /** `!`: applies even when a file exists at the path. */
  force: boolean;
}

export interface HeaderRule {
  pattern: Pattern;
  set: Array<[string, string]>;
  /** Cloudflare's `! Name`: removes a header set by an earlier rule. */
  remove: string[];
}

/** A compiled path pattern: literal segments, `:placeholders` and a trailing `*` splat. */
export interface Pattern {
  source: string;
  regex: RegExp;
  names: string[];
}

const STATUSES = new Set([200, 301, 302, 303, 307, 308, 404]);

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles `/blog/:year/*` into a regex with named groups. */
export function compilePattern(source: string): Pattern | undefined {
  if (!source.startsWith('/') || source.length > 1024) return undefined;
  const names: string[] = [];
  let re = '';
  const parts = source.split(/(\*|:[A-Za-z_][A-Za-z0-9_]*)/);
  for (const part of parts) {
    if (part === '*') {
      names.push('splat');
      re += '(.*)';
    } else if (part.startsWith(':') && part.length > 1) {
      names.push(part.slice(1));
      re += '([^/]+)';
    } else {
      re += escapeRegex(part);
    }
  }
  // `/path` also matches `/path/` (both hosts treat them as the same page).
  const trailing = source.endsWith('/') || source.endsWith('*') ? '' : '/?';
  return { source, regex: new RegExp(`^${re}${trailing}$`, 'i'), names };
}

function matchPattern(
  pattern: Pattern,
  path: string,
): Record<string, string> | undefined {
  const m = pattern.regex.exec(path);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  pattern.names.forEach((name, i) => {
    params[name] = m[i + 1] ?? '';
  });
  return params;
}

/** Parses a `_redirects` file. Invalid lines are skipped and reported. */
export function parseRedirects(text: string): {
  rules: RedirectRule[];
  errors: string[];
} {
  const rules: RedirectRule[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\s+#.*$/, '').trim();
    if (!line || line.startsWith('#')) return;
    if (rules.length >= MAX_RULES) {
      errors.push(`line ${i + 1}: more than ${MAX_RULES} rules`);
      return;
    }
    const fields = line.split(/\s+/);
    if (fields.length < 2) {
      errors.push(`line ${i + 1}: expected "from to [status]"`);
      return;
    }
    const [fromSource, to, statusField] = fields;
    const from = compilePattern(fromSource);
    let status = 301;
    let force = false;
    if (statusField) {
      const m = /^(\d{3})(!?)$/.exec(statusField);
      if (!m || !STATUSES.has(Number(m[1]))) {
        errors.push(`line ${i + 1}: unsupported status ${statusField}`);
        return;
      }
      status = Number(m[1]);
      force = m[2] === '!';
    }
    if (!from) {
      errors.push(`line ${i + 1}: the source must be a path`);
      return;
    }
    const external = /^https?:\/\//i.test(to);
    if (!to.startsWith('/') && !external) {
      errors.push(`line ${i + 1}: the target must be a path or an http(s) URL`);
      return;
    }
    if (external && (status === 200 || status === 404)) {
      // Proxying to another origin is not supported: the proxy never
      // fetches from a URL it was not configured with.
      errors.push(`line ${i + 1}: rewrites (200/404) must target a path`);
      return;
    }
    rules.push({ from, to, status: status as RedirectRule['status'], force });
  });
  return { rules, errors };
}

const COOKIE_DOMAIN_REFUSED =
  'set-cookie with a Domain attribute cannot be set (a site may not set cookies for a parent domain)';

/** Parses a `_headers` file. */
export function parseHeaders(text: string): {
  rules: HeaderRule[];
  errors: string[];
} {
  const rules: HeaderRule[] = [];
  const errors: string[] = [];
  let current: HeaderRule | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim() || raw.trim().startsWith('#')) return;
    if (!/^\s/.test(raw)) {
      const pattern = compilePattern(raw.trim());
      if (!pattern) {
        errors.push(`line ${i + 1}: a rule starts with a path`);
        current = undefined;
        return;
      }
      if (rules.length >= MAX_RULES) {
        errors.push(`line ${i + 1}: more than ${MAX_RULES} rules`);
        current = undefined;
        return;
      }
      current = { pattern, set: [], remove: [] };
      rules.push(current);
      return;
    }
    if (!current) {
      errors.push(`line ${i + 1}: header outside a rule`);
      return;
    }
    const line = raw.trim();
    if (line.startsWith('!')) {
      const name = line.slice(1).trim().toLowerCase();
      if (isSettable(name)) current.remove.push(name);
      return;
    }
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (colon <= 0 || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) {
      errors.push(`line ${i + 1}: expected "Name: value"`);
      return;
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(value)) {
      errors.push(`line ${i + 1}: control characters in a header value`);
      return;
    }
    if (!isSettable(name)) {
      errors.push(`line ${i + 1}: ${name} cannot be set`);
      return;
    }
    if (name === 'set-cookie' && hasCookieDomain(value)) {
      errors.push(`line ${i + 1}: ${COOKIE_DOMAIN_REFUSED}`);
      return;
    }
    current.set.push([name, value]);
  });
  return { rules, errors };
}

/** Headers a deployment may not set: framing, encoding and validators are the proxy's. */
const RESERVED = new Set([
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'etag',
  'last-modified',
  'content-range',
  'accept-ranges',
  'vary',
  'x-novahost-deployment',
]);

function isSettable(name: string): boolean {
  return name.length > 0 && !RESERVED.has(name);
}

/**
 * Whether a `Set-Cookie` value has a `Domain` attribute. Sites are siblings
 * under one base domain: a cookie for the parent domain would reach every
 * other site (cookie tossing), so only host-only cookies are allowed.
 * Attributes follow the first `;`, names compare case-insensitively and
 * around blanks, as browsers parse them (RFC 6265 5.2).
 */
function hasCookieDomain(value: string): boolean {
  return value
    .split(';')
    .slice(1)
    .some(
      attribute => attribute.split('=')[0].trim().toLowerCase() === 'domain',
    );
}

/** The headers `_headers` adds for a path (values of repeated names are joined, as Cloudflare does). */
export function headersFor(
  rules: HeaderRule[],
  path: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rule of rules) {
    const params = matchPattern(rule.pattern, path);
    if (!params) continue;
    for (const name of rule.remove) delete out[name];
    for (const [name, raw] of rule.set) {
      const value = substitute(raw, params, false);
      // A placeholder can carry `; Domain=` from the request path.
      if (name === 'set-cookie' && hasCookieDomain(value)) continue;
      out[name] = out[name] ? `${out[name]}, ${value}` : value;
    }
  }
  return out;
}

function substitute(
  template: string,
  params: Record<string, string>,
  encode: boolean,
): string {
  return template.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (whole, name) => {
    if (!(name in params)) return whole;
    const value = params[name];
    return encode ? value.split('/').map(encodeURIComponent).join('/') : value;
  });
}

export type RedirectResult =
  | { kind: 'redirect'; status: number; location: string }
  | { kind: 'rewrite'; status: 200 | 404; path: string };

/**
 * The first rule matching `path` (decoded, with its leading slash). Rules
 * without `!` only apply when no file answers the path (`fileExists`).
 * Request values only ever land in the path part of a target: a rule
 * cannot be used to send visitors to a host taken from the request.
 */
export function matchRedirect(
  rules: RedirectRule[],
  path: string,
  query: string,
  fileExists: boolean,
): RedirectResult | undefined {
  for (const rule of rules) {
    if (fileExists && !rule.force) continue;
    const params = matchPattern(rule.from, path);
    if (!params) continue;
    let target = rule.to;
    const origin = /^https?:\/\/[^/?#]*/i.exec(target)?.[0] ?? '';
    target = origin + substitute(target.slice(origin.length), params, true);
    if (rule.status === 200 || rule.status === 404) {
      const q = target.indexOf('?');
      return {
        kind: 'rewrite',
        status: rule.status,
        path: q === -1 ? target : target.slice(0, q),
      };
    }
    // The visitor's query string is kept unless the target has its own.
    if (query && !target.includes('?')) target += `?${query}`;
    return { kind: 'redirect', status: rule.status, location: target };
  }
  return undefined;
}
