import type {
  BuildEvent,
  CacheArchiveInfo,
  CacheRestoreRequest,
  ManifestFiles,
  ShippedLine,
} from '@internal/build-runner';
import { z } from 'zod';

/**
 * The backend's side of the build protocol: zod schemas of what the build
 * program sends. The types are declared once, by the program
 * (packages/build-runner/src/protocol.ts); the assertions below fail to
 * compile when a schema stops accepting what the program sends.
 */

export const logsSchema = z.strictObject({
  lines: z
    .array(
      z.strictObject({
        seq: z.number().int().min(1),
        ts: z.iso.datetime({ offset: true }),
        stream: z.enum(['stdout', 'stderr', 'system']),
        text: z.string().max(64 * 1024),
      }),
    )
    .max(2000),
});

export const eventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('phase'),
    phase: z.enum(['building', 'uploading']),
    commitSha: z
      .string()
      .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/)
      .optional(),
    // A framework id like `vite`; build programs before detection omit it.
    framework: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{0,63}$/)
      .optional(),
  }),
  z.strictObject({
    type: z.literal('failed'),
    error: z.string().max(8192),
    exitCode: z.number().int().nullable(),
  }),
]);

export const manifestSchema = z.strictObject({
  files: z.record(
    z.string().max(1024),
    z.strictObject({
      hash: z.string(),
      size: z.number().int().min(0),
    }),
  ),
});

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'not a sha256 hex digest');

/** POST /cache/restore: the key of the clone step's checkout. */
export const cacheRestoreSchema = z.strictObject({ key: sha256Hex });

/** POST /cache/upload and /cache/commit: the archive the publish step made. */
export const cacheArchiveSchema = z.strictObject({
  hash: sha256Hex,
  size: z.number().int().min(1),
  fingerprint: sha256Hex,
});

/** A phase or failure event as the backend accepts it. */
export type ReceivedBuildEvent = z.infer<typeof eventSchema>;

/** True when every value of type `Sent` is a value the schema's type `Accepted` admits. */
type Accepts<Accepted, Sent> = [Sent] extends [Accepted] ? true : false;
/** Compiles only when `T` is `true`. */
type Assert<T extends true> = T;

/**
 * What the program sends, the schemas accept, and what they yield is what
 * it sent. Checked by the type checker only; nothing of it exists at run time.
 */
export type ProtocolChecks = [
  Assert<Accepts<z.input<typeof logsSchema>['lines'][number], ShippedLine>>,
  Assert<Accepts<ShippedLine, z.output<typeof logsSchema>['lines'][number]>>,
  Assert<Accepts<z.input<typeof eventSchema>, BuildEvent>>,
  Assert<Accepts<z.input<typeof manifestSchema>['files'], ManifestFiles>>,
  Assert<Accepts<ManifestFiles, z.output<typeof manifestSchema>['files']>>,
  Assert<Accepts<z.input<typeof cacheRestoreSchema>, CacheRestoreRequest>>,
  Assert<Accepts<z.input<typeof cacheArchiveSchema>, CacheArchiveInfo>>,
  Assert<Accepts<CacheArchiveInfo, z.output<typeof cacheArchiveSchema>>>,
];
