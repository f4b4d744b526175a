import { Fragment } from 'react';
import { Link } from '@backstage/core-components';
import type {
  Deployment,
  DeploymentSource,
  DeploymentTarget,
} from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { urlHost } from './format';

const SOURCES: Record<DeploymentSource, string> = {
  manual: 'manual',
  push: 'push',
  pull_request: 'pull request',
  redeploy: 'redeploy',
};

/** How a deployment was started: `manual`, `push`, `pull request`, `redeploy`. */
export function sourceLabel(source: DeploymentSource): string {
  return SOURCES[source] ?? source;
}

/** Production or Preview, as a chip. */
export function TargetChip(props: { target: DeploymentTarget }) {
  const preview = props.target === 'preview';
  return (
    <Chip
      size="small"
      variant="outlined"
      color={preview ? 'default' : 'primary'}
      label={preview ? 'Preview' : 'Production'}
      data-testid="deployment-target"
    />
  );
}

/** A branch name as code that wraps only after its slashes. */
export function BranchName(props: { branch: string }) {
  const parts = props.branch.split(/(?<=\/)/);
  return (
    <code title={props.branch}>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          <span style={{ whiteSpace: 'nowrap' }}>{part}</span>
        </Fragment>
      ))}
    </code>
  );
}

/** `#12`, with a `fork` marker for a pull request from a fork. */
export function PullRequestLabel(props: {
  pullRequest: Deployment['pullRequest'];
}) {
  const pr = props.pullRequest;
  if (!pr) return null;
  return (
    <span
      style={{ whiteSpace: 'nowrap' }}
      title={`Pull request #${pr.number}${pr.fork ? ' from a fork' : ''}`}
    >
      #{pr.number}
      {pr.fork && (
        <Chip
          size="small"
          label="fork"
          style={{ marginLeft: 4, height: 18 }}
          data-testid="pull-request-fork"
        />
      )}
    </span>
  );
}

/**
 * The branch alias as a link to its host name, or a dash without one.
 * `wrap`: the host may break after its dashes (a narrow table column).
 */
export function AliasLink(props: { aliasUrl: string | null; wrap?: boolean }) {
  if (!props.aliasUrl) return <>—</>;
  return (
    <Link
      to={props.aliasUrl}
      target="_blank"
      rel="noopener"
      title={`${props.aliasUrl}: the branch's newest ready deployment`}
      style={props.wrap ? undefined : { whiteSpace: 'nowrap' }}
    >
      {urlHost(props.aliasUrl)}
    </Link>
  );
}

/**
 * Where a deployment comes from, for its page: target, branch, pull request,
 * how it started, and the branch alias that serves the branch's newest
 * ready deployment.
 */
export function DeploymentGitInfo(props: { deployment: Deployment }) {
  const d = props.deployment;
  return (
    <Box
      display="flex"
      flexWrap="wrap"
      alignItems="center"
      style={{ gap: 24 }}
      data-testid="deployment-git"
    >
      <TargetChip target={d.target} />
      <Typography variant="body2">
        Branch {d.branch ? <code>{d.branch}</code> : '— (a commit)'}
      </Typography>
      {d.pullRequest && (
        <Typography variant="body2" component="span">
          Pull request <PullRequestLabel pullRequest={d.pullRequest} />
        </Typography>
      )}
      <Typography variant="body2">Source: {sourceLabel(d.source)}</Typography>
      {d.aliasUrl && (
        <Typography variant="body2" component="span">
          Branch alias <AliasLink aliasUrl={d.aliasUrl} />
        </Typography>
      )}
    </Box>
  );
}
