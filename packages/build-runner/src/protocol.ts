/**
 * The build protocol: what the build program and the backend's /internal
 * API exchange, declared once. The backend's zod schemas are checked against
 * these types at compile time (plugins/novahost-backend/src/service/buildProtocol.ts).
 *
 * Every call carries the per-deployment build token as a bearer token.
 */

/** What the backend tells the program to build. */
export interface BuildSpec {
  deploymentId: string;
  repoUrl: string;
  ref: string;
  rootDirectory: string;
  installCommand: string | null;
  buildCommand: string | null;
  outputDirectory: string | null;
  timeoutSeconds: number;
  env: Record<string, string>;
}

/** One line of build output as the program ships it. */
export interface ShippedLine {
  seq: number;
  ts: string;
  stream: 'stdout' | 'stderr' | 'system';
  text: string;
}

/** Where the backend wants one missing blob uploaded. */
export interface UploadTarget {
  hash: string;
  url: string;
  method: 'PUT';
  headers?: Record<string, string>;
}

export type BuildEvent =
  | {
      type: 'phase';
      phase: 'building';
      commitSha?: string;
      /** Sent only when one was detected (a framework id like `vite`). */
      framework?: string;
    }
  | { type: 'phase'; phase: 'uploading' }
  | { type: 'failed'; error: string; exitCode: number | null };

/** POST /manifest body: every output file, path → content hash and size. */
export type ManifestFiles = Record<string, { hash: string; size: number }>;

/** POST /manifest answer: the blobs the store does not have yet. */
export interface ManifestResponse {
  missing: UploadTarget[];
}

/** POST /finalize answer. */
export interface FinalizeResponse {
  status: string;
  url: string;
}
