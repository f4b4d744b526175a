import { useState } from 'react';
import {
  Content,
  ContentHeader,
  EmptyState,
  Link,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useRouteRef } from '@backstage/frontend-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import type { Project } from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import AddIcon from '@material-ui/icons/Add';
import { useNavigate } from 'react-router-dom';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import useDebounce from 'react-use/esm/useDebounce';
import useInterval from 'react-use/esm/useInterval';
import { novahostApiRef } from '../api';
import { deploymentRouteRef, projectRouteRef } from '../routes';
import { formatAge, projectFramework } from './format';
import { NewProjectDialog } from './NewProjectDialog';
import { StatusChip } from './StatusChip';

/** A small outlined filter box above the project table. */
function FilterField(props: {
  label: string;
  placeholder: string;
  ariaLabel: string;
  value: string;
  onChange(value: string): void;
}) {
  return (
    <TextField
      label={props.label}
      placeholder={props.placeholder}
      value={props.value}
      onChange={e => props.onChange(e.target.value)}
      variant="outlined"
      size="small"
      inputProps={{ 'aria-label': props.ariaLabel }}
    />
  );
}

/** The Novahost page: every project with its last deployment. */
export function ProjectsPage() {
  const api = useApi(novahostApiRef);
  const navigate = useNavigate();
  const projectLink = useRouteRef(projectRouteRef);
  const deploymentLink = useRouteRef(deploymentRouteRef);
  const [searchInput, setSearchInput] = useState('');
  const [ownerInput, setOwnerInput] = useState('');
  const [query, setQuery] = useState({ search: '', owner: '' });
  const [creating, setCreating] = useState(false);
  useDebounce(
    () => {
      const next = { search: searchInput.trim(), owner: ownerInput.trim() };
      setQuery(q =>
        q.search === next.search && q.owner === next.owner ? q : next,
      );
    },
    300,
    [searchInput, ownerInput],
  );

  const { value, loading, error, retry } = useAsyncRetry(
    () =>
      api.listProjects({
        search: query.search,
        owner: query.owner,
        limit: 200,
      }),
    [api, query.search, query.owner],
  );
  // Keep statuses and ages fresh.
  useInterval(retry, 5000);

  const filtered = Boolean(query.search || query.owner);

  const columns: TableColumn<Project>[] = [
    {
      title: 'Name',
      field: 'name',
      highlight: true,
      render: p =>
        projectLink ? (
          <Link to={projectLink({ projectId: p.slug })}>{p.name}</Link>
        ) : (
          p.name
        ),
    },
    {
      title: 'Owner',
      field: 'owner',
      render: p => (p.owner ? <EntityRefLink entityRef={p.owner} /> : '—'),
    },
    {
      title: 'Production URL',
      field: 'url',
      render: p =>
        p.productionDeploymentId ? (
          <Link to={p.url} target="_blank" rel="noopener">
            {p.url.replace(/^https?:\/\//, '')}
          </Link>
        ) : (
          <Typography variant="body2" color="textSecondary">
            Not deployed yet
          </Typography>
        ),
    },
    {
      title: 'Last deployment',
      render: p => {
        const d = p.latestDeployment;
        if (!d) return '—';
        const chip = <StatusChip status={d.status} />;
        return (
          <Box display="flex" alignItems="center" style={{ gap: 8 }}>
            {deploymentLink ? (
              <Link to={deploymentLink({ deploymentId: d.id })}>{chip}</Link>
            ) : (
              chip
            )}
            <Typography variant="body2" color="textSecondary">
              {formatAge(d.createdAt)}
            </Typography>
          </Box>
        );
      },
    },
    { title: 'Framework', render: p => projectFramework(p) },
  ];

  const newProjectButton = (
    <Button
      variant="contained"
      color="primary"
      startIcon={<AddIcon />}
      onClick={() => setCreating(true)}
    >
      New project
    </Button>
  );
  let body;
  if (error) {
    body = <ResponseErrorPanel error={error} />;
  } else if (!value && loading) {
    body = <Progress />;
  } else if (value && value.items.length === 0 && !filtered) {
    body = (
      <EmptyState
        missing="data"
        title="No projects yet"
        description="Create a project from a git repository: Novahost builds it on every deploy and serves it at its own URL."
        action={newProjectButton}
      />
    );
  } else {
    body = (
      <Table<Project>
        title={`Projects (${value?.totalCount ?? 0})`}
        options={{ search: false, paging: false, padding: 'dense' }}
        columns={columns}
        data={value?.items ?? []}
        emptyContent={
          <Box p={2}>
            <Typography>No project matches the filter.</Typography>
          </Box>
        }
      />
    );
  }

  return (
    <Content>
      <ContentHeader title="Projects">
        <Button
          component="a"
          href="/create"
          variant="outlined"
          style={{ marginRight: 8 }}
        >
          From a template
        </Button>
        {newProjectButton}
      </ContentHeader>
      <Box display="flex" style={{ gap: 16 }} mb={2}>
        <FilterField
          label="Search"
          placeholder="Name or slug"
          ariaLabel="Search projects"
          value={searchInput}
          onChange={setSearchInput}
        />
        <FilterField
          label="Owner"
          placeholder="group:default/web"
          ariaLabel="Filter by owner"
          value={ownerInput}
          onChange={setOwnerInput}
        />
      </Box>
      {body}
      <NewProjectDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={project => {
          setCreating(false);
          if (projectLink) navigate(projectLink({ projectId: project.slug }));
          else retry();
        }}
      />
    </Content>
  );
}
