import { z } from 'zod';
import { DEPLOYMENT_TARGETS } from './types';

/**
 * Project environment variables: the names a project may set, the limits
 * of their values and the request to set one. Shared so the UI checks a
 * variable (and a pasted `.env` file) as the backend will.
 */

/** One value's longest length, in UTF-8 bytes. @public */
export const MAX_ENV_VALUE_BYTES = 64 * 1024;

/**
 * What one deployment's variables may hold together (names and values, in
 * UTF-8 bytes): each target's set counts on its own. @public
 */
export const MAX_ENV_TARGET_BYTES = 256 * 1024;

/** A project's variables (one per name and target). @public */
export const MAX_ENV_VARS = 500;

/**
 * A secret value's shortest length: output is masked by searching for the
 * value, and a shorter one would mask ordinary words. @public
 */
export const MIN_SECRET_LENGTH = 8;

/** A POSIX environment variable name. @public */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Names the platform sets or needs: the system variables, what the build's
 * sandbox and tools depend on (PATH, HOME, TMPDIR, the egress proxy), the
 * dynamic linker's. Compared as written, except the proxy variables, which
 * tools read in either case. @public
 */
export const RESERVED_ENV_NAMES: readonly string[] = [
  'NOVAHOST',
  'CI',
  'PATH',
  'HOME',
  'TMPDIR',
  'PWD',
  'SHELL',
  'USER',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
];

/** Reserved prefixes (see {@link RESERVED_ENV_NAMES}). @public */
export const RESERVED_ENV_PREFIXES: readonly string[] = ['NOVAHOST_', 'LD_'];

const PROXY_NAMES = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY'];

/** Whether a project may not set `name` (the platform owns it). @public */
export function isReservedEnvName(name: string): boolean {
  return (
    RESERVED_ENV_NAMES.includes(name) ||
    PROXY_NAMES.includes(name.toUpperCase()) ||
    RESERVED_ENV_PREFIXES.some(p => name.startsWith(p))
  );
}

/** UTF-8 length of a string (the limits count bytes). @public */
export function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** A variable's name: POSIX, at most 256 characters, not reserved. @public */
export const envNameSchema = z
  .string()
  .max(256, 'must be at most 256 characters')
  .regex(
    ENV_NAME_PATTERN,
    'must be a POSIX name: letters, digits and underscores, not starting with a digit',
  )
  .refine(n => !isReservedEnvName(n), {
    error: issue =>
      `${issue.input} is reserved by Novahost (NOVAHOST and NOVAHOST_*, CI, PATH, HOME, TMPDIR, PWD, SHELL, USER, the proxy variables and LD_* are set by the platform)`,
  });

/** @public */
export const envTargetsSchema = z
  .array(z.enum(DEPLOYMENT_TARGETS))
  .min(1, 'must name production, preview or both')
  .max(2)
  .refine(t => new Set(t).size === t.length, 'must not repeat a target');

/** `PUT /projects/:id/env/:name`. @public */
export const putEnvVarSchema = z
  .strictObject({
    value: z
      .string()
      .refine(v => !v.includes('\0'), 'must not contain NUL characters')
      .refine(
        v => utf8Bytes(v) <= MAX_ENV_VALUE_BYTES,
        `must be at most ${MAX_ENV_VALUE_BYTES / 1024} KiB`,
      ),
    targets: envTargetsSchema,
    secret: z.boolean().default(false),
  })
  .refine(b => !b.secret || b.value.length >= MIN_SECRET_LENGTH, {
    path: ['value'],
    message: `a secret must be at least ${MIN_SECRET_LENGTH} characters (shorter ones cannot be masked in build logs); store it as a plain variable`,
  });

/** @public */
export type PutEnvVarRequest = z.input<typeof putEnvVarSchema>;

/** `DELETE /projects/:id/env/:name?target=`: one target only. @public */
export const deleteEnvVarQuerySchema = z.strictObject({
  target: z.enum(DEPLOYMENT_TARGETS).optional(),
});

/** `POST /deployments/:id/redeploy`. @public */
export const redeploySchema = z.strictObject({
  /** false: build without restoring the build cache. */
  cache: z.boolean().optional(),
});

/** @public */
export type RedeployRequest = z.infer<typeof redeploySchema>;
