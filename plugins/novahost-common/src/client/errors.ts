import { ResponseError } from '@backstage/errors';

/** The most useful message of an error: the backend's own for API errors. @public */
export function errorMessage(error: unknown): string {
  if (error instanceof ResponseError) {
    return error.body?.error?.message || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Whether a failed call is worth repeating: a refusal (4xx other than 429)
 * will be refused again.
 */
export function isRetryable(error: unknown): boolean {
  return !(
    error instanceof ResponseError &&
    error.statusCode >= 400 &&
    error.statusCode < 500 &&
    error.statusCode !== 429
  );
}
