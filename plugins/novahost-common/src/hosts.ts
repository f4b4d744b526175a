/**
 * Host naming rules shared by the backend (which hands out URLs) and the
 * proxy (which routes them). A project's production site is `<slug>.<base>`;
 * each deployment is also reachable forever at `<slug>-<shortId>.<base>`.
 */

/** Longest slug: the deployment label `<slug>-<shortId>` must stay within DNS's 63. */
export const MAX_SLUG_LENGTH = 63 - 1 - 8;
/** Length of a deployment's short id. */
export const SHORT_ID_LENGTH = 8;

const SLUG_RE = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const SHORT_ID_RE = /^[a-z0-9]{8}$/;

/** Whether `slug` is a valid project slug (a DNS label of at most {@link MAX_SLUG_LENGTH}). @public */
export function isValidSlug(slug: string): boolean {
  return (
    slug.length > 0 &&
    slug.length <= MAX_SLUG_LENGTH &&
    SLUG_RE.test(slug) &&
    !slug.includes('--')
  );
}

/**
 * Derives a DNS-safe slug from a project name: lower case, ASCII letters,
 * digits and single dashes, trimmed to {@link MAX_SLUG_LENGTH}. Returns ''
 * when nothing usable is left (the caller rejects the name).
 * @public
 */
export function slugify(name: string): string {
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  let slug = ascii
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/-{2,}/g, '-');
  if (slug.length > MAX_SLUG_LENGTH) {
    slug = slug.slice(0, MAX_SLUG_LENGTH).replace(/-+$/, '');
  }
  return slug;
}

/** Whether `id` has the shape of a deployment short id. @public */
export function isShortId(id: string): boolean {
  return SHORT_ID_RE.test(id);
}

/**
 * Normalizes a Host header: lower case, no port, no trailing dot.
 * Returns undefined for anything that is not a plausible host name.
 * @public
 */
export function normalizeHost(host: string | undefined): string | undefined {
  if (!host) return undefined;
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) return undefined; // IPv6 literals never name a site
  const colon = h.indexOf(':');
  if (colon !== -1) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (!h || h.length > 253 || !/^[a-z0-9.-]+$/.test(h)) return undefined;
  return h;
}

/**
 * The candidate site label of a host under `baseDomain`: `my-site` for
 * `my-site.localhost`. Undefined when the host is not exactly one label
 * below the base domain.
 * @public
 */
export function siteLabel(
  host: string | undefined,
  baseDomain: string,
): string | undefined {
  const h = normalizeHost(host);
  const base = normalizeHost(baseDomain);
  if (!h || !base) return undefined;
  const suffix = `.${base}`;
  if (!h.endsWith(suffix)) return undefined;
  const label = h.slice(0, -suffix.length);
  if (!label || label.includes('.')) return undefined;
  return label;
}

/** Splits `<slug>-<shortId>` into its parts, if it has that shape. @public */
export function splitDeploymentLabel(
  label: string,
): { slug: string; shortId: string } | undefined {
  const dash = label.length - SHORT_ID_LENGTH - 1;
  if (dash < 1 || label[dash] !== '-') return undefined;
  const shortId = label.slice(dash + 1);
  const slug = label.slice(0, dash);
  if (!isShortId(shortId) || !isValidSlug(slug)) return undefined;
  return { slug, shortId };
}

/** Public URL settings of the proxy. @public */
export interface SiteUrlOptions {
  baseDomain: string;
  /** `http` or `https`. */
  scheme: string;
  /** Port visitors use; omitted from URLs when it is the scheme's default. */
  port?: number;
}

/** The part of Backstage's `Config` that {@link readSiteUrlOptions} reads. @public */
export interface SiteUrlConfig {
  getOptionalString(key: string): string | undefined;
  getOptionalNumber(key: string): number | undefined;
  has(key: string): boolean;
}

/**
 * The proxy's public URL settings from app-config (`novahost.proxy.*`): the
 * backend hands out URLs with them, and the scaffolder previews the same
 * URLs in a dry run. @public
 */
export function readSiteUrlOptions(config: SiteUrlConfig): SiteUrlOptions {
  return {
    baseDomain:
      config.getOptionalString('novahost.proxy.baseDomain') ?? 'localhost',
    scheme: config.getOptionalString('novahost.proxy.publicScheme') ?? 'http',
    port:
      config.getOptionalNumber('novahost.proxy.publicPort') ??
      (config.has('novahost.proxy.publicScheme')
        ? undefined
        : config.getOptionalNumber('novahost.proxy.listen.port') ?? 8080),
  };
}

function origin(label: string, opts: SiteUrlOptions): string {
  const defaultPort = opts.scheme === 'https' ? 443 : 80;
  const port = opts.port && opts.port !== defaultPort ? `:${opts.port}` : '';
  return `${opts.scheme}://${label}.${opts.baseDomain}${port}`;
}

/** `http://<slug>.<base>[:port]` @public */
export function productionUrl(slug: string, opts: SiteUrlOptions): string {
  return origin(slug, opts);
}

/** `http://<slug>-<shortId>.<base>[:port]` @public */
export function deploymentUrl(
  slug: string,
  shortId: string,
  opts: SiteUrlOptions,
): string {
  return origin(`${slug}-${shortId}`, opts);
}

/** Longest DNS label. */
const MAX_LABEL = 63;
const ALIAS_HASH_LENGTH = 6;

/** FNV-1a of a string, as 6 base-36 characters: short, stable, isomorphic. */
function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h
    .toString(36)
    .padStart(ALIAS_HASH_LENGTH, '0')
    .slice(-ALIAS_HASH_LENGTH);
}

/**
 * The stable DNS label of a branch: `<slug>-git-<branch>`, the branch
 * lower-cased with every run of other characters as one dash. When that is
 * longer than 63 characters, empty, or `hashed` is asked for (the plain label
 * is taken), it is cut and ends in a short hash of slug and branch instead.
 * @public
 */
export function branchAliasLabel(
  slug: string,
  branch: string,
  opts: { hashed?: boolean } = {},
): string {
  const name = branch
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const plain = `${slug}-git-${name}`;
  if (name && plain.length <= MAX_LABEL && !opts.hashed) return plain;
  const hash = shortHash(`${slug}\0${branch}`);
  const prefix = plain
    .slice(0, MAX_LABEL - 1 - ALIAS_HASH_LENGTH)
    .replace(/-+$/, '');
  return `${prefix}-${hash}`;
}

/** `http://<label>.<base>[:port]` of a branch alias label. @public */
export function aliasUrl(label: string, opts: SiteUrlOptions): string {
  return origin(label, opts);
}
