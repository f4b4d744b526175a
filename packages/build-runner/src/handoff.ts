/**
 * What the steps hand each other through the shared work directory. The
 * plan (clone → build) holds no platform credential: the build step that
 * reads it has none and must get none. It does hold the project's own
 * variables, secrets included, which the build's commands get anyway: the
 * build step takes them out of the file before it runs any command
 * (scrubPlan), and the file is outside the checkout, so never published.
 * The result (build → publish) is written
 * by untrusted code's neighbour and may be forged by it, so it says only
 * whether the build succeeded; `publish` finds and checks the output
 * itself.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { PackageManagerChoice } from './packageManager.ts';

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
  /** Names of `env` entries that are secret: masked in the step's output. */
  secretEnv: string[];
  /** The Node.js version chosen (nodeVersion.ts): the build step runs on its installation. */
  node?: string;
  /** The package manager and version (packageManager.ts); null without package.json. */
  packageManager?: PackageManagerChoice | null;
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

/** The plan is the pod user's only (it holds the variables); the result anyone's. */
export function writeJson(path: string, value: unknown, mode = 0o644): void {
  writeFileSync(path, `${JSON.stringify(value)}\n`, { mode });
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

const VERSION_RE = /^\d+\.\d+\.\d+$/;

function isPackageManagerChoice(v: unknown): v is PackageManagerChoice {
  const c = v as Record<string, unknown>;
  return (
    !!c &&
    typeof c === 'object' &&
    ['npm', 'pnpm', 'yarn', 'bun'].includes(c.name as string) &&
    (c.corepack === undefined ||
      (isString(c.corepack) &&
        /^(npm|pnpm|yarn)@[0-9A-Za-z.+-]+$/.test(c.corepack))) &&
    (c.berry === undefined || typeof c.berry === 'boolean') &&
    isString(c.source) &&
    (c.lockfile === undefined || isString(c.lockfile))
  );
}

export function readPlan(path: string): BuildPlanFile {
  const p = readJson(path, 'build plan');
  const env = p.env as Record<string, unknown>;
  p.secretEnv = p.secretEnv ?? [];
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
    Array.isArray(p.secretEnv) &&
    p.secretEnv.every(isString) &&
    Number.isFinite(p.startedAt) &&
    Number.isFinite(p.deadline) &&
    (p.node === undefined || (isString(p.node) && VERSION_RE.test(p.node))) &&
    (p.packageManager === undefined ||
      p.packageManager === null ||
      isPackageManagerChoice(p.packageManager));
  if (!valid) throw new Error(`The build plan (${path}) is malformed`);
  return p as unknown as BuildPlanFile;
}

/**
 * Rewrites the plan without the project's variables, once the build step
 * holds them: what is left (the commands, the deadline) is what `publish`
 * and anyone reading the work directory later may see.
 */
export function scrubPlan(path: string, plan: BuildPlanFile): void {
  writeJson(path, { ...plan, env: {}, secretEnv: [] }, 0o600);
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
