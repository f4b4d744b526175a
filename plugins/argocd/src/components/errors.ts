import { ResponseError } from '@backstage/errors';

/** The backend's own message (e.g. why ArgoCD refused) rather than "Request failed with 503". */
export function errorMessage(e: unknown): string {
  if (e instanceof ResponseError) {
    return e.body?.error?.message ?? e.message;
  }
  return e instanceof Error ? e.message : String(e);
}
