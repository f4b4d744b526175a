import { EntityRefLink } from '@backstage/plugin-catalog-react';
import type { Project } from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import DeleteIcon from '@material-ui/icons/Delete';
import CallSplitIcon from '@material-ui/icons/CallSplit';
import PublishIcon from '@material-ui/icons/Publish';
import { ReasonButton, useProjectPermission } from './projectPermissions';

/** Owner and catalog entity of a project, as links to their catalog pages. */
export function ProjectOwnership(props: { project: Project }) {
  const { owner, entityRef } = props.project;
  return (
    <Typography variant="body2" color="textSecondary" component="div">
      Owner:{' '}
      <span data-testid="project-owner">
        {owner ? <EntityRefLink entityRef={owner} /> : 'none (admins only)'}
      </span>
      {entityRef && (
        <>
          {' · '}Catalog entity:{' '}
          <span data-testid="project-entity">
            <EntityRefLink entityRef={entityRef} />
          </span>
        </>
      )}
    </Typography>
  );
}

/**
 * The project's name, repository, owner and catalog entity, with Deploy (the
 * production branch), Deploy a branch and (on the project page) Delete: each
 * disabled, with the reason, when the user may not take it.
 */
export function ProjectHeader(props: {
  project: Project;
  deploying: boolean;
  onDeploy(): void;
  /** Opens the dialog that deploys any branch, tag or commit. */
  onDeployBranch(): void;
  /** Shows Delete (not on the catalog tab). */
  onDelete?: () => void;
}) {
  const p = props.project;
  const deploy = useProjectPermission(p, 'deploy');
  const del = useProjectPermission(p, 'delete');
  return (
    <Box display="flex" alignItems="center" style={{ gap: 8 }}>
      <Box flexGrow={1}>
        <Typography variant="h5">
          {p.name}{' '}
          <Typography component="span" color="textSecondary">
            {p.repoUrl} · production branch {p.branch}
          </Typography>
        </Typography>
        <ProjectOwnership project={p} />
      </Box>
      <ReasonButton
        variant="contained"
        color="primary"
        startIcon={<PublishIcon />}
        disabled={props.deploying}
        disabledReason={deploy.disabledReason}
        reasonName="Deploy"
        onClick={props.onDeploy}
      >
        Deploy
      </ReasonButton>
      <ReasonButton
        variant="outlined"
        color="primary"
        startIcon={<CallSplitIcon />}
        disabled={props.deploying}
        disabledReason={deploy.disabledReason}
        reasonName="Deploy a branch"
        onClick={props.onDeployBranch}
      >
        Deploy a branch
      </ReasonButton>
      {props.onDelete && (
        <ReasonButton
          variant="outlined"
          color="secondary"
          startIcon={<DeleteIcon />}
          disabledReason={del.disabledReason}
          reasonName="Delete project"
          onClick={props.onDelete}
        >
          Delete project
        </ReasonButton>
      )}
    </Box>
  );
}
