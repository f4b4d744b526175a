/**
 * Keeps secrets out of build logs and error messages: the given secrets
 * (the build token), credentials in URLs and common secret shapes become
 * `***`, keeping what names them (`ghp_***`, `Authorization: Bearer ***`);
 * over-long lines are cut.
 *
 * This file exists twice, byte for byte, because the build program is a
 * standalone Node program that imports no workspace package:
 * packages/build-runner/src/redact.ts masks lines before they are shipped,
 * plugins/novahost-backend/src/service/redact.ts masks them again before
 * they are stored (the backend cannot trust the build program, and some
 * lines never pass through it). The backend's redact.test.ts checks that
 * the two are identical and masks a corpus of secrets.
 */

const MASK = '***';
const MAX_LINE = 8192;
/** Shorter secrets (and forms of them) would mask ordinary words. */
const MIN_SECRET = 8;

/** A base64 line of a PEM block: mixed case and digits, nothing else. */
const PEM_BODY_LINE =
  /^(?=[^\n]*[a-z])(?=[^\n]*[A-Z])(?=[^\n]*\d)[ \t]*[A-Za-z0-9+/]{40,}={0,2}[ \t]*\r?$/gm;

/** Each rule keeps what names the secret (its first group) and masks the rest. */
const RULES: ReadonlyArray<
  readonly [RegExp, string | ((match: string, ...groups: string[]) => string)]
> = [
  // scheme://user:password@host
  [/([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+(?::[^/\s@]*)?@/gi, `$1${MASK}@`],
  // ?password=…, &token=…, access_token, client_secret, X-Amz-Signature…
  [
    /([?&;][\w.-]*(?:password|passwd|pwd|token|secret|signature|credential|api[_-]?key)=)[^&#\s"'<>]+/gi,
    `$1${MASK}`,
  ],
  // Authorization and Proxy-Authorization header values (scheme kept)
  [
    /(authorization["']?\s*[:=]\s*["']?(?:(?:bearer|basic|token|bot|digest|negotiate)\s+)?)[^\s"',;]+/gi,
    `$1${MASK}`,
  ],
  // GitHub tokens: ghp_ (personal), gho_ (OAuth), ghu_/ghs_ (app), ghr_ (refresh)
  [/\b(gh[pousr]_)[A-Za-z0-9]{20,}/g, `$1${MASK}`],
  [/\b(github_pat_)\w{20,}/g, `$1${MASK}`],
  // GitLab personal, project and group access tokens
  [/\b(glpat-)[\w-]{20,}/g, `$1${MASK}`],
  // npm access tokens (.npmrc, `npm whoami` output)
  [/\b(npm_)[A-Za-z0-9]{36}\b/g, `$1${MASK}`],
  [/(_authToken\s*=\s*)\S+/gi, `$1${MASK}`],
  // AWS access key ids (long-term AKIA, temporary ASIA)
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, `$1${MASK}`],
  // AWS secret access keys after their name: ini, env, JSON, CLI arguments
  [
    /((?:aws[_-]?)?secret[_-]?access[_-]?key["']?\s*[:=]?\s*["']?)[A-Za-z0-9/+=]{16,}/gi,
    `$1${MASK}`,
  ],
  // A PEM private key block, within one line or one multi-line text
  [
    /(-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----)[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
    (_match, begin, end) =>
      end ? `${begin} ${MASK} ${end}` : `${begin} ${MASK}`,
  ],
];

/**
 * Masks `secrets` (ignoring ones shorter than 8 characters, which would
 * mask ordinary words) and every secret shape above in `text`, a log line
 * or a multi-line error. The lines of a private key shipped one at a time
 * are masked as PEM body lines.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= MIN_SECRET) {
      out = out.split(secret).join(MASK);
    }
  }
  for (const [pattern, replacement] of RULES) {
    out =
      typeof replacement === 'string'
        ? out.replace(pattern, replacement)
        : out.replace(pattern, replacement);
  }
  out = out.replace(PEM_BODY_LINE, MASK);
  if (out.length > MAX_LINE) out = `${out.slice(0, MAX_LINE)} … [truncated]`;
  return out;
}

/**
 * What a secret looks like in output, longest first, for `redact`: the
 * value, each of its lines (output is masked line by line), its base64
 * (standard and URL-safe, also as the middle of a longer encoded text: the
 * characters that depend on the secret alone, at each of the three byte
 * offsets it may start at) and its URL encoding (`%20` and `+` for spaces).
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret, ...secret.split(/\r?\n/)]);
  const bytes = Buffer.from(secret, 'utf8');
  forms.add(bytes.toString('base64'));
  forms.add(bytes.toString('base64url'));
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const start = Math.ceil((shift * 8) / 6);
    const end = Math.floor(((shift + bytes.length) * 8) / 6);
    forms.add(encoded.toString('base64').slice(start, end));
    forms.add(encoded.toString('base64url').slice(start, end));
  }
  const url = encodeURIComponent(secret);
  forms.add(url);
  forms.add(url.replace(/%20/g, '+'));
  return [...forms]
    .filter(f => f.length >= MIN_SECRET)
    .sort((a, b) => b.length - a.length);
}
