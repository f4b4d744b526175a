import { createHash, randomBytes, timingSafeEqual } from 'crypto';

/**
 * Build tokens: random bearer secrets given to one build. Only their sha256
 * is stored, so a database dump holds no usable token.
 */
export function newBuildToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time comparison of a presented token with a stored hash. */
export function tokenMatches(token: string, storedHash: string): boolean {
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** An 8-character [a-z0-9] id for deployment hosts (`<slug>-<id>`). */
export function newShortId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (const b of randomBytes(8)) id += alphabet[b % alphabet.length];
  return id;
}
