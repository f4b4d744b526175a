import { InfoCard, Link, Progress } from '@backstage/core-components';
import type { Deployment, Project } from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { errorMessage } from '../api';
import { formatAge, shortSha } from './format';
import { StatusChip } from './StatusChip';

/** The production URL and the deployment it serves, or how to get one. */
export function ProductionCard(props: {
  project: Project;
  production: Deployment | undefined;
  /** The production deployment is being fetched (it is not in the list). */
  loading: boolean;
  /** Fetching it failed. */
  error?: Error;
}) {
  const { project: p, production } = props;
  let body;
  if (production) {
    body = (
      <Box data-testid="production-card">
        <Typography variant="h6">
          <Link to={p.url} target="_blank" rel="noopener">
            {p.url}
          </Link>
        </Typography>
        <Box display="flex" alignItems="center" mt={1} style={{ gap: 8 }}>
          <StatusChip status={production.status} />
          <Typography variant="body2" color="textSecondary">
            {production.shortId} · {shortSha(production.commitSha)} ·{' '}
            {production.ref} · deployed {formatAge(production.createdAt)}
          </Typography>
        </Box>
      </Box>
    );
  } else if (p.productionDeploymentId && props.error) {
    body = (
      <Box data-testid="production-card">
        <Typography variant="h6">
          <Link to={p.url} target="_blank" rel="noopener">
            {p.url}
          </Link>
        </Typography>
        <Typography variant="body2" color="error">
          Could not load the production deployment: {errorMessage(props.error)}
        </Typography>
      </Box>
    );
  } else if (p.productionDeploymentId && props.loading) {
    body = <Progress />;
  } else {
    body = (
      <Typography data-testid="production-card">
        Nothing in production yet. Deploy, and the first ready deployment of{' '}
        <code>{p.branch}</code> (the production branch) is promoted
        {p.autoPromote ? ' automatically' : ' when you promote it'}.
      </Typography>
    );
  }
  return <InfoCard title="Production">{body}</InfoCard>;
}
