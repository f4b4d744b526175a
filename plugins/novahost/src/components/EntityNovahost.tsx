import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  NOVAHOST_PROJECT_ANNOTATION,
  isTerminalStatus,
} from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useInterval from 'react-use/esm/useInterval';
import { novahostApiRef } from '../api';
import { deploymentRouteRef, projectRouteRef } from '../routes';
import { formatAge, shortSha } from './format';
import { ProjectView } from './ProjectView';
import { StatusChip } from './StatusChip';

function useProjectSlug(): string | undefined {
  const { entity } = useEntity();
  return entity.metadata.annotations?.[NOVAHOST_PROJECT_ANNOTATION]?.trim();
}

function MissingAnnotation() {
  return (
    <Typography>
      Add the <code>{NOVAHOST_PROJECT_ANNOTATION}</code> annotation with the
      project's slug to this entity to see its deployments.
    </Typography>
  );
}

/** The Novahost tab of a catalog entity: the annotated project. @public */
export function EntityNovahostContent() {
  const slug = useProjectSlug();
  if (!slug) return <MissingAnnotation />;
  return <ProjectView projectId={slug} />;
}

/** A card with the annotated project's production URL and latest deployments. @public */
export function EntityNovahostDeploymentsCard() {
  const slug = useProjectSlug();
  const api = useApi(novahostApiRef);
  const projectLink = useRouteRef(projectRouteRef);
  const deploymentLink = useRouteRef(deploymentRouteRef);
  const state = useAsyncRetry(async () => {
    if (!slug) return undefined;
    const [project, deployments] = await Promise.all([
      api.getProject(slug),
      api.listDeployments(slug, { limit: 5 }),
    ]);
    return { project, deployments: deployments.items };
  }, [api, slug]);
  const active = state.value?.deployments.some(
    d => !isTerminalStatus(d.status),
  );
  useInterval(state.retry, active ? 2000 : 15_000);

  let body;
  if (!slug) body = <MissingAnnotation />;
  else if (state.error) body = <ResponseErrorPanel error={state.error} />;
  else if (!state.value) body = <Progress />;
  else {
    const { project, deployments } = state.value;
    body = (
      <>
        <Typography variant="body2" color="textSecondary">
          Production
        </Typography>
        <Typography variant="subtitle1">
          {project.productionDeploymentId ? (
            <Link to={project.url} target="_blank" rel="noopener">
              {project.url}
            </Link>
          ) : (
            'Not deployed yet'
          )}
        </Typography>
        {deployments.length === 0 ? (
          <Box mt={1}>
            <Typography>No deployments yet.</Typography>
          </Box>
        ) : (
          <List dense>
            {deployments.map(d => (
              <ListItem key={d.id} disableGutters>
                <Box mr={1}>
                  <StatusChip status={d.status} />
                </Box>
                <ListItemText
                  primary={
                    deploymentLink ? (
                      <Link to={deploymentLink({ deploymentId: d.id })}>
                        {d.shortId}
                      </Link>
                    ) : (
                      d.shortId
                    )
                  }
                  secondary={`${d.ref} · ${shortSha(d.commitSha)} · ${formatAge(
                    d.createdAt,
                  )}${d.isProduction ? ' · production' : ''}`}
                />
              </ListItem>
            ))}
          </List>
        )}
      </>
    );
  }

  return (
    <InfoCard
      title="Novahost deployments"
      deepLink={
        slug && projectLink
          ? { title: 'Open project', link: projectLink({ projectId: slug }) }
          : undefined
      }
    >
      {body}
    </InfoCard>
  );
}
