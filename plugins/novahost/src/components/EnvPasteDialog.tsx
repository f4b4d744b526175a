import { useEffect, useMemo, useState } from 'react';
import {
  envNameSchema,
  parseDotenv,
  putEnvVarSchema,
  type DeploymentTarget,
} from '@internal/plugin-novahost-common';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Switch from '@material-ui/core/Switch';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { TargetChoice } from './EnvVarDialog';

/** One variable of the pasted file, ready to send. */
export type PastedVar = { name: string; value: string };

/** The pasted file read as the API will take it: what to send, and what not. */
export function readPasted(
  text: string,
  secret: boolean,
): { vars: PastedVar[]; problems: string[] } {
  const { entries, errors } = parseDotenv(text);
  const problems = errors.map(e => `Line ${e.line}: ${e.message}`);
  const vars: PastedVar[] = [];
  for (const e of entries) {
    const name = envNameSchema.safeParse(e.name);
    const body = putEnvVarSchema.safeParse({
      value: e.value,
      targets: ['preview'],
      secret,
    });
    if (!name.success) {
      problems.push(`Line ${e.line}: ${name.error.issues[0].message}`);
    } else if (!body.success) {
      problems.push(
        `Line ${e.line}: ${e.name}: ${body.error.issues[0].message}`,
      );
    } else {
      vars.push({ name: e.name, value: e.value });
    }
  }
  return { vars, problems };
}

/**
 * Bulk paste of a `.env` file (NAME=value lines, comments, quotes, `export`):
 * every variable it holds is set for the chosen targets, plain or secret.
 * Lines that cannot be set are listed and left out.
 */
export function EnvPasteDialog(props: {
  open: boolean;
  onClose(): void;
  onSave(
    vars: PastedVar[],
    targets: DeploymentTarget[],
    secret: boolean,
  ): Promise<void>;
}) {
  const [text, setText] = useState('');
  const [targets, setTargets] = useState<DeploymentTarget[]>([
    'production',
    'preview',
  ]);
  const [secret, setSecret] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (props.open) setText('');
  }, [props.open]);
  const { vars, problems } = useMemo(
    () => readPasted(text, secret),
    [text, secret],
  );

  const submit = async () => {
    setBusy(true);
    try {
      await props.onSave(vars, targets, secret);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={props.open}
      onClose={props.onClose}
      aria-labelledby="env-paste-title"
      fullWidth
      maxWidth="md"
    >
      <DialogTitle id="env-paste-title">Paste a .env file</DialogTitle>
      <DialogContent>
        <TextField
          fullWidth
          multiline
          minRows={6}
          maxRows={16}
          id="novahost-env-paste"
          label=".env"
          placeholder={
            'VITE_API_URL=https://api.example.com\n# a comment\nexport CMS_TOKEN="…"'
          }
          value={text}
          onChange={e => setText(e.target.value)}
          inputProps={{ spellCheck: false, style: { fontFamily: 'monospace' } }}
        />
        <TargetChoice
          value={targets}
          onChange={setTargets}
          error={
            targets.length ? undefined : 'Choose production, preview or both'
          }
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
        <Typography variant="body2" data-testid="env-paste-summary">
          {vars.length === 1 ? '1 variable' : `${vars.length} variables`} to set
          {vars.length ? `: ${vars.map(v => v.name).join(', ')}` : ''}
        </Typography>
        {problems.length > 0 && (
          <Alert severity="warning" data-testid="env-paste-problems">
            Left out:
            <ul style={{ margin: 0 }}>
              {problems.map(p => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </Alert>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={props.onClose}>Cancel</Button>
        <Button
          color="primary"
          variant="contained"
          disabled={busy || vars.length === 0 || targets.length === 0}
          onClick={submit}
        >
          Save {vars.length === 1 ? '1 variable' : `${vars.length} variables`}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
