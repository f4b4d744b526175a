import { Config } from '@backstage/config';
import { CustomErrorBase } from '@backstage/errors';
import type { LogLimits } from '../database/NovahostDatabase';
import { DEFAULT_LOG_LIMITS } from './DeploymentLogs';

/**
 * A caller asked for more than its share (429). @backstage/errors has no
 * such error; the default error middleware answers with `statusCode`.
 */
export class TooManyRequestsError extends CustomErrorBase {
  name = 'TooManyRequestsError';
  readonly statusCode = 429;
}

/** The limits builds and projects are held to, from `novahost.builds` and `novahost.projects`. */
export type Limits = {
  log: LogLimits;
  /** Sum of the file sizes of one deployment's output. */
  maxOutputBytes: number;
  /** What a project's deployments may keep in the store together. */
  maxProjectStoredBytes: number;
  /** Queued deployments one user (created_by) may have across projects. */
  maxQueuedPerUser: number;
};

export function readLimits(config: Config): Limits {
  const number = (key: string, fallback: number) => {
    const value = config.getOptionalNumber(key) ?? fallback;
    if (!Number.isFinite(value) || value < 1) {
      throw new Error(`${key} must be a positive number, got ${value}`);
    }
    return value;
  };
  return {
    log: {
      maxLines: number(
        'novahost.builds.maxLogLines',
        DEFAULT_LOG_LIMITS.maxLines,
      ),
      maxBytes: number(
        'novahost.builds.maxLogBytes',
        DEFAULT_LOG_LIMITS.maxBytes,
      ),
    },
    maxOutputBytes: number('novahost.builds.maxOutputBytes', 2 ** 30),
    maxProjectStoredBytes: number(
      'novahost.projects.maxStoredBytes',
      5 * 2 ** 30,
    ),
    maxQueuedPerUser: number('novahost.builds.maxQueuedPerUser', 10),
  };
}

/** 100 → "100 bytes"; 1536 → "1.5 KiB (1536 bytes)". */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (bytes < 1024) return `${bytes} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(1))} ${units[unit]} (${bytes} bytes)`;
}
