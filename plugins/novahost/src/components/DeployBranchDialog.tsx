import { useState } from 'react';
import {
  branchAliasLabel,
  createDeploymentSchema,
  type DeploymentTarget,
  type Project,
} from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { TargetChip } from './DeploymentGitInfo';

const COMMIT_RE = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * What deploying `ref` makes, as the backend decides it: the production
 * branch or a commit SHA is production; any other branch (or tag) a preview.
 */
export function targetOfRef(project: Project, ref: string): DeploymentTarget {
  return ref === project.branch || COMMIT_RE.test(ref)
    ? 'production'
    : 'preview';
}

/**
 * The host a branch's alias gets, `<slug>-git-<branch>.<base-domain>`, from
 * the production URL; undefined when that is not `<slug>.<base-domain>`.
 * (When the plain label is taken the server picks a hashed one.)
 */
export function expectedAliasHost(
  project: Project,
  branch: string,
): string | undefined {
  try {
    const host = new URL(project.url).host;
    if (!host.startsWith(`${project.slug}.`)) return undefined;
    return `${branchAliasLabel(project.slug, branch)}${host.slice(
      project.slug.length,
    )}`;
  } catch {
    return undefined;
  }
}

/**
 * Deploys a branch, tag or commit from the UI (no webhook needed): the
 * production branch builds for production, any other branch a preview at
 * its branch alias, which is never promoted automatically.
 */
export function DeployBranchDialog(props: {
  open: boolean;
  project: Project;
  onClose(): void;
  onDeploy(ref: string): Promise<void>;
}) {
  const [ref, setRef] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const p = props.project;
  const trimmed = ref.trim();
  const target = trimmed ? targetOfRef(p, trimmed) : undefined;
  const alias =
    target === 'preview' ? expectedAliasHost(p, trimmed) : undefined;

  const close = () => {
    setRef('');
    setError(undefined);
    props.onClose();
  };
  const submit = async () => {
    const parsed = createDeploymentSchema.safeParse({ ref });
    if (!parsed.success || !parsed.data.ref) {
      setError(
        parsed.success
          ? 'Enter a branch, tag or commit'
          : parsed.error.issues[0].message,
      );
      return;
    }
    setError(undefined);
    setBusy(true);
    try {
      await props.onDeploy(parsed.data.ref);
      setRef('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={props.open}
      onClose={close}
      aria-labelledby="deploy-branch-title"
      fullWidth
      maxWidth="sm"
    >
      <DialogTitle id="deploy-branch-title">Deploy a branch</DialogTitle>
      <form
        onSubmit={e => {
          e.preventDefault();
          submit();
        }}
      >
        <DialogContent>
          <TextField
            fullWidth
            margin="dense"
            id="novahost-deploy-ref"
            label="Branch, tag or commit"
            placeholder={p.branch}
            value={ref}
            onChange={e => setRef(e.target.value)}
            error={Boolean(error)}
            helperText={
              error ??
              `${p.branch} (the production branch) or a commit SHA deploys to production; any other branch makes a preview`
            }
          />
          {target && (
            <Box
              display="flex"
              alignItems="center"
              mt={1}
              style={{ gap: 8 }}
              data-testid="deploy-branch-target"
            >
              <TargetChip target={target} />
              <Typography variant="body2">
                {target === 'preview'
                  ? `A preview, never promoted automatically${
                      alias ? `, served at ${alias}` : ''
                    }.`
                  : `A production deployment${
                      p.autoPromote && trimmed === p.branch
                        ? ', promoted when it is ready'
                        : ', promoted when you promote it'
                    }.`}
              </Typography>
            </Box>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={close}>Cancel</Button>
          <Button
            type="submit"
            color="primary"
            variant="contained"
            disabled={busy || !trimmed}
          >
            Deploy {trimmed ? trimmed.slice(0, 40) : ''}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
