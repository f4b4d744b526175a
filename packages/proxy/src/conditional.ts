/** ETags and conditional requests. */

/** The strong ETag of a blob: its sha256, quoted. */
export function etagFor(hash: string): string {
  return `"${hash}"`;
}

/**
 * Whether an `If-None-Match` header matches `etag` (weak comparison, as
 * RFC 9110 §13.1.2 requires): `*`, or a list of tags with or without `W/`.
 */
export function ifNoneMatchMatches(
  header: string | string[] | undefined,
  etag: string,
): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  const tags = value.match(/(?:W\/)?"[^"]*"/g) ?? [];
  return tags.some(tag => tag.replace(/^W\//, '') === opaque);
}
