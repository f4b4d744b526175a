/**
 * What the steps hand each other through the shared work directory. The
 * plan (clone → build) holds no secret: the build step that reads it has
 * no credential and must get none. The result (build → publish) is written
 * by untrusted code's neighbour and may be forged by it, so it says only
 * whether the build succeeded; `publish` finds and checks the output
 * itself.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** clone → build: what to run, where, with which environment. */
export interface BuildPlanFile {
  version: 1;
  /** The checked-out commit and the ref it came from. */
  commitSha: string;
  ref: string;
  /** The project directory, relative to the checkout. */
  projectDir: string;
  install: string | null;
  build: string | null;
  /** The project's build environment (never a platform credential). */
  env: Record<string, string>;
  /** When the build started and when it must end (epoch milliseconds). */
  startedAt: number;
  deadline: number;
}

/** build → publish: how the install and build commands ended. */
export type BuildStepResult =
  | { ok: true }
  | { ok: false; error: string; exitCode: number | null };

/** Longest error the backend accepts in a `failed` event. */
export const MAX_ERROR = 8000;

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value)}\n`, { mode: 0o644 });
}

function readJson(path: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(
      `The ${what} (${path}) cannot be read: ${(e as Error).message}`,
    );
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`The ${what} (${path}) is not an object`);
  }
  return value as Record<string, unknown>;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNullableString = (v: unknown): v is string | null =>
  v === null || isString(v);

export function readPlan(path: string): BuildPlanFile {
  const p = readJson(path, 'build plan');
  const env = p.env as Record<string, unknown>;
  const valid =
    p.version === 1 &&
    isString(p.commitSha) &&
    isString(p.ref) &&
    isString(p.projectDir) &&
    isNullableString(p.install) &&
    isNullableString(p.build) &&
    !!env &&
    typeof env === 'object' &&
    Object.values(env).every(isString) &&
    Number.isFinite(p.startedAt) &&
    Number.isFinite(p.deadline);
  if (!valid) throw new Error(`The build plan (${path}) is malformed`);
  return p as unknown as BuildPlanFile;
}

/**
 * Reads the build step's result. Anything else than a well-formed result
 * is a failure: the step crashed, or the build's own code wrote the file.
 */
export function readResult(path: string): BuildStepResult {
  let r: Record<string, unknown>;
  try {
    r = readJson(path, 'build result');
  } catch (e) {
    return { ok: false, error: (e as Error).message, exitCode: null };
  }
  if (r.ok === true) return { ok: true };
  const exitCode = Number.isInteger(r.exitCode) ? (r.exitCode as number) : null;
  const error = isString(r.error) && r.error ? r.error : 'The build failed';
  return { ok: false, error: error.slice(0, MAX_ERROR), exitCode };
}
