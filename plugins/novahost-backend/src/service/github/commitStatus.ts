import type { DeploymentStatus } from '@internal/plugin-novahost-common';

/** The states GitHub's commit statuses have. */
export type CommitStatusState = 'pending' | 'success' | 'failure' | 'error';

/** The body of `POST /repos/{owner}/{repo}/statuses/{sha}`. */
export type CommitStatus = {
  state: CommitStatusState;
  description: string;
  context: string;
  target_url?: string;
};

/** GitHub refuses longer descriptions. */
export const MAX_DESCRIPTION = 140;

/** `text` on one line, cut to `max` characters with an ellipsis. */
export function cutLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

/** `Failed: why`, not `Failed: Failed`. */
const prefixed = (word: string, reason: string) =>
  !reason || reason.toLowerCase().startsWith(word.toLowerCase())
    ? reason || word
    : `${word}: ${reason}`;

const PENDING: Partial<Record<DeploymentStatus, string>> = {
  queued: 'Queued',
  building: 'Building',
  uploading: 'Uploading',
};

/**
 * The commit status of a deployment: pending while queued or building,
 * success with the site's URL, failure with the reason, error when
 * canceled (GitHub has no canceled state). `pageUrl` is the deployment's
 * page in Backstage, the status's link; `error` is stored redacted.
 */
export function commitStatusFor(
  deployment: { status: DeploymentStatus; error: string | null },
  o: { context: string; siteUrl: string; pageUrl?: string },
): CommitStatus {
  const { status } = deployment;
  const reason = deployment.error?.split('\n')[0] ?? '';
  let state: CommitStatusState;
  let description: string;
  if (PENDING[status]) {
    state = 'pending';
    description = PENDING[status]!;
  } else if (status === 'ready') {
    state = 'success';
    description = `Ready: ${o.siteUrl}`;
  } else if (status === 'failed') {
    state = 'failure';
    description = prefixed('Failed', reason);
  } else {
    state = 'error';
    description = prefixed('Canceled', reason);
  }
  return {
    state,
    description: cutLine(description, MAX_DESCRIPTION),
    context: o.context,
    ...(o.pageUrl ? { target_url: o.pageUrl } : {}),
  };
}
