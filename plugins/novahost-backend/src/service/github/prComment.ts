import type { DeploymentStatus } from '@internal/plugin-novahost-common';
import { cutLine } from './commitStatus';

/**
 * The hidden first line of a project's pull request comment: how Novahost
 * finds its comment again when the stored id is lost, on any replica.
 */
export function commentMarker(projectId: string): string {
  return `<!-- novahost:${projectId} -->`;
}

/** Whether `body` is the comment of `projectId` (it starts with the marker). */
export function isCommentOf(projectId: string, body: string | undefined) {
  return Boolean(body?.trimStart().startsWith(commentMarker(projectId)));
}

const STATUS_TEXT: Record<DeploymentStatus, string> = {
  queued: '⏳ Queued',
  building: '🔨 Building',
  uploading: '📦 Uploading',
  ready: '✅ Ready',
  failed: '❌ Failed',
  canceled: '🚫 Canceled',
};

/** Text shown as is in Markdown (a table cell): no markup, links or HTML. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()<>#+!|~]/g, '\\$&').replace(/\s+/g, ' ');
}

export type PullRequestCommentView = {
  projectId: string;
  projectName: string;
  status: DeploymentStatus;
  /** Stored redacted. */
  error: string | null;
  commitSha: string;
  /** The commit on GitHub. */
  commitUrl: string;
  /** The branch alias (or, before it exists, the deployment) URL once there is a site. */
  previewUrl?: string;
  /** The deployment's page in Backstage, with its build log. */
  pageUrl?: string;
  updatedAt: Date;
};

/** A Markdown link; the URL (ours) with parentheses and spaces encoded. */
const link = (text: string, url: string) =>
  `[${escapeMarkdown(text)}](${new URL(url).href.replace(
    /[()\s]/g,
    c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )})`;

/** The comment Novahost keeps on a pull request, one per project. */
export function renderPullRequestComment(v: PullRequestCommentView): string {
  const updated = `${v.updatedAt
    .toISOString()
    .slice(0, 16)
    .replace('T', ' ')} UTC`;
  const preview = v.previewUrl
    ? link(new URL(v.previewUrl).host, v.previewUrl)
    : '—';
  const commit = link(v.commitSha.slice(0, 7), v.commitUrl);
  const log = v.pageUrl ? link('Build log', v.pageUrl) : '—';
  const lines = [
    commentMarker(v.projectId),
    '**Novahost** preview of this pull request',
    '',
    '| Project | Status | Preview | Commit | Build log | Updated |',
    '| --- | --- | --- | --- | --- | --- |',
    `| ${escapeMarkdown(v.projectName)} | ${
      STATUS_TEXT[v.status]
    } | ${preview} | ${commit} | ${log} | ${updated} |`,
  ];
  const reason = v.error?.split('\n')[0];
  if ((v.status === 'failed' || v.status === 'canceled') && reason) {
    lines.push('', `> ${escapeMarkdown(cutLine(reason, 300))}`);
  }
  return `${lines.join('\n')}\n`;
}
