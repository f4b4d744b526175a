import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import {
  createProjectSchema,
  type CreateProjectRequest,
  type Project,
} from '@internal/plugin-novahost-common';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Switch from '@material-ui/core/Switch';
import TextField from '@material-ui/core/TextField';
import Alert from '@material-ui/lab/Alert';
import { errorMessage, novahostApiRef } from '../api';
import { OwnerPicker, useOwnershipRefs } from './OwnerPicker';

type Fields = {
  name: string;
  repoUrl: string;
  branch: string;
  rootDirectory: string;
  installCommand: string;
  buildCommand: string;
  outputDirectory: string;
  owner: string;
  spa: boolean;
};

const EMPTY: Fields = {
  name: '',
  repoUrl: '',
  branch: '',
  rootDirectory: '',
  installCommand: '',
  buildCommand: '',
  outputDirectory: '',
  owner: '',
  spa: false,
};

/** Turns the form into a request: empty optional fields are left out. */
function toRequest(f: Fields): Record<string, unknown> {
  const req: Record<string, unknown> = { name: f.name, repoUrl: f.repoUrl };
  for (const key of [
    'branch',
    'rootDirectory',
    'installCommand',
    'buildCommand',
    'outputDirectory',
    'owner',
  ] as const) {
    if (f[key].trim()) req[key] = f[key];
  }
  if (f.spa) req.spa = true;
  return req;
}

/** The "New project" form, validated with the API's own schema. */
export function NewProjectDialog(props: {
  open: boolean;
  onClose(): void;
  onCreated(project: Project): void;
}) {
  const api = useApi(novahostApiRef);
  const mine = useOwnershipRefs();
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<keyof Fields, string>>>(
    {},
  );
  const [submitError, setSubmitError] = useState<string>();
  const [busy, setBusy] = useState(false);

  // The owner the form sends: the one picked, else the signed-in user (as
  // the backend's own default).
  const owner = fields.owner || mine.value?.userRef || '';

  const set =
    (key: keyof Fields) => (e: React.ChangeEvent<HTMLInputElement>) => {
      const value = key === 'spa' ? e.target.checked : e.target.value;
      setFields(f => ({ ...f, [key]: value }));
      setErrors(er => ({ ...er, [key]: undefined }));
    };

  const submit = async () => {
    setSubmitError(undefined);
    const parsed = createProjectSchema.safeParse(
      toRequest({ ...fields, owner }),
    );
    if (!parsed.success) {
      const next: Partial<Record<keyof Fields, string>> = {};
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0]) as keyof Fields;
        next[key] ??= issue.message;
      }
      setErrors(next);
      return;
    }
    setBusy(true);
    try {
      const project = await api.createProject(
        parsed.data as CreateProjectRequest,
      );
      setFields(EMPTY);
      props.onCreated(project);
    } catch (e) {
      setSubmitError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const field = (
    key: Exclude<keyof Fields, 'spa' | 'owner'>,
    label: string,
    helper: string,
    extra: { required?: boolean } = {},
  ) => (
    <TextField
      fullWidth
      margin="dense"
      id={`novahost-${key}`}
      label={label}
      value={fields[key]}
      onChange={set(key)}
      error={Boolean(errors[key])}
      helperText={errors[key] ?? helper}
      required={extra.required}
      inputProps={{ 'data-testid': `field-${key}` }}
    />
  );

  return (
    <Dialog
      open={props.open}
      onClose={props.onClose}
      fullWidth
      maxWidth="sm"
      aria-labelledby="new-project-title"
    >
      <DialogTitle id="new-project-title">New project</DialogTitle>
      <DialogContent>
        {submitError && (
          <Alert severity="error" role="alert">
            {submitError}
          </Alert>
        )}
        {field(
          'name',
          'Name',
          'Shown in Backstage; the site slug comes from it',
          {
            required: true,
          },
        )}
        {field(
          'repoUrl',
          'Git repository',
          'https://… (or, with the local runner, an absolute path)',
          { required: true },
        )}
        {field('branch', 'Production branch', 'Default: main')}
        {field(
          'rootDirectory',
          'Root directory',
          'Default: the repository root',
        )}
        {field(
          'installCommand',
          'Install command',
          'Default: detected from the lock file (npm ci, pnpm install, …)',
        )}
        {field(
          'buildCommand',
          'Build command',
          'Default: the package.json build script',
        )}
        {field(
          'outputDirectory',
          'Output directory',
          'Default: the first of dist, build, out, public, _site',
        )}
        <OwnerPicker
          id="novahost-owner"
          value={owner}
          options={mine.value?.refs ?? []}
          onChange={ref => setFields(f => ({ ...f, owner: ref }))}
          disabled={!mine.value}
          error={errors.owner}
          loadError={mine.error}
        />
        <FormControlLabel
          control={
            <Switch checked={fields.spa} onChange={set('spa')} name="spa" />
          }
          label="Single-page app (serve index.html for unknown paths)"
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          onClick={submit}
          disabled={busy}
        >
          Create
        </Button>
      </DialogActions>
    </Dialog>
  );
}
