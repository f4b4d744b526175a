/**
 * Whether an error means "the store has no such object": the local store's
 * ENOENT, S3's NoSuchKey / NotFound / HTTP 404, or a NotFoundError from
 * @backstage/errors (what openBlob rejects with).
 */
export function isNotFoundError(error: unknown): boolean {
  const e = error as {
    name?: string;
    code?: string;
    $metadata?: { httpStatusCode?: number };
  };
  return (
    e?.name === 'NotFoundError' ||
    e?.name === 'NoSuchKey' ||
    e?.name === 'NotFound' ||
    e?.$metadata?.httpStatusCode === 404 ||
    e?.code === 'ENOENT'
  );
}
