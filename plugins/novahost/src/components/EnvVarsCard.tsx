import { ReactNode, useState } from 'react';
import { InfoCard, Progress } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import type {
  DeploymentTarget,
  EnvVar,
  Project,
} from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import AddIcon from '@material-ui/icons/Add';
import LockIcon from '@material-ui/icons/Lock';
import Alert from '@material-ui/lab/Alert';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { errorMessage, novahostApiRef } from '../api';
import { ConfirmDialog } from './ConfirmDialog';
import { EnvPasteDialog, type PastedVar } from './EnvPasteDialog';
import { EnvVarDialog, TARGET_LABELS, type EnvVarChange } from './EnvVarDialog';
import { formatAge } from './format';
import { ReasonButton, useProjectPermission } from './projectPermissions';

type Open =
  | { kind: 'add' }
  | { kind: 'edit'; v: EnvVar }
  | { kind: 'delete'; v: EnvVar }
  | { kind: 'paste' };

/** What a row shows of the value: a plain value, or only that a secret is set. */
function ValueCell(props: { v: EnvVar }) {
  const { v } = props;
  if (v.secret) {
    return (
      <Box display="flex" alignItems="center" style={{ gap: 4 }}>
        <LockIcon fontSize="small" color="action" />
        <Typography variant="body2" component="span">
          Secret: set, changed {formatAge(v.updatedAt)}
        </Typography>
      </Box>
    );
  }
  return (
    <code
      title={v.value}
      style={{
        display: 'inline-block',
        maxWidth: 280,
        overflow: 'hidden',
        textOverflow: 'ellipsis',
        whiteSpace: 'nowrap',
        verticalAlign: 'bottom',
      }}
    >
      {v.value}
    </code>
  );
}

/**
 * A project's environment variables (per target, plain or secret): list,
 * add, edit, delete, bulk paste of a `.env` file. A secret's value never
 * comes back from the API: the card shows that it is set and when it
 * changed. Changing variables needs the project update permission.
 */
export function EnvVarsCard(props: { project: Project }) {
  const p = props.project;
  const api = useApi(novahostApiRef);
  const alertApi = useApi(alertApiRef);
  const vars = useAsyncRetry(() => api.listEnvVars(p.id), [api, p.id]);
  const update = useProjectPermission(p, 'update');
  const [open, setOpen] = useState<Open>();

  const done = (message: string) => {
    alertApi.post({ message, severity: 'success', display: 'transient' });
    setOpen(undefined);
    vars.retry();
  };
  const failed = (e: unknown) => {
    alertApi.post({ message: errorMessage(e), severity: 'error' });
    vars.retry();
  };

  const save = async (change: EnvVarChange) => {
    try {
      await api.setEnvVar(p.id, change.name, change.request);
      for (const target of change.removed) {
        await api.deleteEnvVar(p.id, change.name, target);
      }
      done(`${change.name} saved; it applies to the next deployment`);
    } catch (e) {
      failed(e);
    }
  };

  const paste = async (
    list: PastedVar[],
    targets: DeploymentTarget[],
    secret: boolean,
  ) => {
    const refused: string[] = [];
    for (const v of list) {
      try {
        await api.setEnvVar(p.id, v.name, { value: v.value, targets, secret });
      } catch (e) {
        refused.push(`${v.name}: ${errorMessage(e)}`);
      }
    }
    const saved = list.length - refused.length;
    if (refused.length) {
      failed(new Error(`Saved ${saved}; not saved: ${refused.join('; ')}`));
      if (saved) setOpen(undefined);
      return;
    }
    done(`${saved} variables saved; they apply to the next deployment`);
  };

  const remove = async (v: EnvVar) => {
    try {
      // One row of a name may be one of its two values (one per target).
      if (v.targets.length > 1) await api.deleteEnvVar(p.id, v.name);
      else await api.deleteEnvVar(p.id, v.name, v.targets[0]);
      done(`${v.name} deleted`);
    } catch (e) {
      failed(e);
      setOpen(undefined);
    }
  };

  const action = (
    label: string,
    name: string,
    onClick: () => void,
    icon?: ReactNode,
  ) => (
    <ReasonButton
      size="small"
      reasonName={name}
      disabledReason={update.disabledReason}
      startIcon={icon}
      onClick={onClick}
    >
      {label}
    </ReasonButton>
  );

  let body: ReactNode;
  if (vars.error) {
    body = (
      <Alert
        severity="error"
        action={
          <Button size="small" onClick={vars.retry}>
            Retry
          </Button>
        }
      >
        Could not load the variables: {errorMessage(vars.error)}
      </Alert>
    );
  } else if (!vars.value) {
    body = <Progress />;
  } else if (vars.value.length === 0) {
    body = (
      <Typography variant="body2" data-testid="env-vars-empty">
        No variables yet. Builds get the system variables (NOVAHOST_ENV,
        NOVAHOST_URL, …) only.
      </Typography>
    );
  } else {
    body = (
      <Table size="small" aria-label="Environment variables">
        <TableHead>
          <TableRow>
            <TableCell>Name</TableCell>
            <TableCell>Targets</TableCell>
            <TableCell>Value</TableCell>
            <TableCell>Changed</TableCell>
            <TableCell />
          </TableRow>
        </TableHead>
        <TableBody>
          {vars.value.map(v => (
            <TableRow
              key={`${v.name} ${v.targets.join()}`}
              data-testid={`env-var-${v.name}-${v.targets.join('-')}`}
            >
              <TableCell>
                <code>{v.name}</code>
              </TableCell>
              <TableCell>
                {v.targets.map(t => (
                  <Chip
                    key={t}
                    size="small"
                    label={TARGET_LABELS[t]}
                    style={{ marginRight: 4 }}
                  />
                ))}
              </TableCell>
              <TableCell>
                <ValueCell v={v} />
              </TableCell>
              <TableCell title={v.updatedBy ?? undefined}>
                {formatAge(v.updatedAt)}
              </TableCell>
              <TableCell align="right" style={{ whiteSpace: 'nowrap' }}>
                {action('Edit', 'env-edit', () => setOpen({ kind: 'edit', v }))}
                {action('Delete', 'env-delete', () =>
                  setOpen({ kind: 'delete', v }),
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    );
  }

  return (
    <InfoCard title="Environment variables">
      <Box display="flex" justifyContent="flex-end" mb={1} style={{ gap: 8 }}>
        {action('Paste .env', 'env-paste', () => setOpen({ kind: 'paste' }))}
        {action(
          'Add variable',
          'env-add',
          () => setOpen({ kind: 'add' }),
          <AddIcon />,
        )}
      </Box>
      {body}
      <EnvVarDialog
        open={open?.kind === 'add' || open?.kind === 'edit'}
        editing={open?.kind === 'edit' ? open.v : undefined}
        onClose={() => setOpen(undefined)}
        onSave={save}
      />
      <EnvPasteDialog
        open={open?.kind === 'paste'}
        onClose={() => setOpen(undefined)}
        onSave={paste}
      />
      <ConfirmDialog
        open={open?.kind === 'delete'}
        title={open?.kind === 'delete' ? `Delete ${open.v.name}?` : ''}
        confirmLabel="Delete variable"
        danger
        onClose={() => setOpen(undefined)}
        onConfirm={() => (open?.kind === 'delete' ? remove(open.v) : undefined)}
      >
        {open?.kind === 'delete' &&
          `Deployments of ${open.v.targets
            .map(t => TARGET_LABELS[t].toLowerCase())
            .join(' and ')} no longer get it, from the next one on.`}
      </ConfirmDialog>
    </InfoCard>
  );
}
