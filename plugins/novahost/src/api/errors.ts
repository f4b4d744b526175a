import { ResponseError } from '@backstage/errors';

/** The most useful message of an error: the backend's own for API errors. */
export function errorMessage(error: unknown): string {
  if (error instanceof ResponseError) {
    return error.body?.error?.message || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
