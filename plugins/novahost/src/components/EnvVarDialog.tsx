import { useEffect, useState } from 'react';
import {
  DEPLOYMENT_TARGETS,
  envNameSchema,
  putEnvVarSchema,
  type DeploymentTarget,
  type EnvVar,
  type PutEnvVarRequest,
} from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import Checkbox from '@material-ui/core/Checkbox';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormHelperText from '@material-ui/core/FormHelperText';
import Switch from '@material-ui/core/Switch';
import TextField from '@material-ui/core/TextField';

export const TARGET_LABELS: Record<DeploymentTarget, string> = {
  production: 'Production',
  preview: 'Preview',
};

/** What the dialog saves: the variable, and the targets it no longer has. */
export type EnvVarChange = {
  name: string;
  request: PutEnvVarRequest;
  /** Targets the edited variable had and no longer has (to delete). */
  removed: DeploymentTarget[];
};

/** Target checkboxes: production, preview or both. */
export function TargetChoice(props: {
  value: DeploymentTarget[];
  onChange(targets: DeploymentTarget[]): void;
  error?: string;
}) {
  return (
    <Box mt={1}>
      {DEPLOYMENT_TARGETS.map(t => (
        <FormControlLabel
          key={t}
          label={TARGET_LABELS[t]}
          control={
            <Checkbox
              checked={props.value.includes(t)}
              onChange={e =>
                props.onChange(
                  DEPLOYMENT_TARGETS.filter(x =>
                    x === t ? e.target.checked : props.value.includes(x),
                  ),
                )
              }
            />
          }
        />
      ))}
      {props.error && <FormHelperText error>{props.error}</FormHelperText>}
    </Box>
  );
}

/**
 * Adds or edits one variable. A secret's value is never shown: editing a
 * secret asks for a new value. Checked with the API's own schemas first.
 */
export function EnvVarDialog(props: {
  open: boolean;
  /** The variable to edit; a new one when undefined. */
  editing?: EnvVar;
  onClose(): void;
  onSave(change: EnvVarChange): Promise<void>;
}) {
  const { editing } = props;
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [targets, setTargets] = useState<DeploymentTarget[]>([
    'production',
    'preview',
  ]);
  const [secret, setSecret] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!props.open) return;
    setName(editing?.name ?? '');
    // A secret's value is never put back on screen, whatever arrived.
    setValue(editing && !editing.secret ? editing.value ?? '' : '');
    setTargets(editing?.targets ?? ['production', 'preview']);
    setSecret(editing?.secret ?? false);
    setErrors({});
  }, [props.open, editing]);

  const submit = async () => {
    const found: Record<string, string> = {};
    const checkedName = envNameSchema.safeParse(name.trim());
    if (!checkedName.success) found.name = checkedName.error.issues[0].message;
    const body = putEnvVarSchema.safeParse({ value, targets, secret });
    if (!body.success) {
      for (const issue of body.error.issues) {
        found[String(issue.path[0] ?? 'value')] ??= issue.message;
      }
    }
    setErrors(found);
    if (!checkedName.success || !body.success) return;
    setBusy(true);
    try {
      await props.onSave({
        name: checkedName.data,
        request: body.data,
        removed: (editing?.targets ?? []).filter(t => !targets.includes(t)),
      });
    } finally {
      setBusy(false);
    }
  };

  const secretEdit = Boolean(editing?.secret);
  return (
    <Dialog
      open={props.open}
      onClose={props.onClose}
      aria-labelledby="env-var-title"
      fullWidth
      maxWidth="sm"
    >
      <DialogTitle id="env-var-title">
        {editing ? `Edit ${editing.name}` : 'Add a variable'}
      </DialogTitle>
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
            id="novahost-env-name"
            label="Name"
            placeholder="VITE_API_URL"
            value={name}
            disabled={Boolean(editing)}
            onChange={e => setName(e.target.value)}
            error={Boolean(errors.name)}
            helperText={errors.name}
            inputProps={{ spellCheck: false }}
          />
          <TextField
            fullWidth
            // A secret is typed hidden, on one line (paste a .env file for
            // one of several lines).
            multiline={!secret}
            maxRows={8}
            margin="dense"
            id="novahost-env-value"
            label={secretEdit ? 'New value' : 'Value'}
            type={secret ? 'password' : 'text'}
            autoComplete="off"
            value={value}
            onChange={e => setValue(e.target.value)}
            error={Boolean(errors.value)}
            helperText={
              errors.value ??
              (secretEdit
                ? 'The current value is never shown: enter the value to keep'
                : undefined)
            }
            inputProps={{ spellCheck: false }}
          />
          <TargetChoice
            value={targets}
            onChange={setTargets}
            error={errors.targets}
          />
          <FormControlLabel
            label="Secret: encrypted, write-only, masked in build logs"
            control={
              <Switch
                checked={secret}
                onChange={e => setSecret(e.target.checked)}
              />
            }
          />
          <FormHelperText>
            Changes apply to the next deployment; redeploy to rebuild with them.
          </FormHelperText>
        </DialogContent>
        <DialogActions>
          <Button onClick={props.onClose}>Cancel</Button>
          <Button
            type="submit"
            color="primary"
            variant="contained"
            disabled={busy}
          >
            Save
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
