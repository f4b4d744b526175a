import { useEffect, useState } from 'react';
import { InfoCard } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import {
  updateProjectSchema,
  type Project,
} from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Switch from '@material-ui/core/Switch';
import TextField from '@material-ui/core/TextField';
import { errorMessage, novahostApiRef } from '../api';

type Settings = {
  installCommand: string;
  buildCommand: string;
  outputDirectory: string;
  rootDirectory: string;
  spa: boolean;
  autoPromote: boolean;
};

function fromProject(p: Project): Settings {
  return {
    installCommand: p.installCommand ?? '',
    buildCommand: p.buildCommand ?? '',
    outputDirectory: p.outputDirectory ?? '',
    rootDirectory: p.rootDirectory,
    spa: p.spa,
    autoPromote: p.autoPromote,
  };
}

/** Build settings of a project; an empty command means "detect". */
export function ProjectSettingsCard(props: {
  project: Project;
  onSaved(): void;
}) {
  const api = useApi(novahostApiRef);
  const alertApi = useApi(alertApiRef);
  const [s, setS] = useState<Settings>(() => fromProject(props.project));
  const [errors, setErrors] = useState<Partial<Record<keyof Settings, string>>>(
    {},
  );
  const [busy, setBusy] = useState(false);
  const saved = fromProject(props.project);
  const dirty = JSON.stringify(saved) !== JSON.stringify(s);

  // A save elsewhere (or a reload) replaces an untouched form.
  const savedKey = JSON.stringify(saved);
  useEffect(() => {
    setS(JSON.parse(savedKey));
  }, [savedKey]);

  const save = async () => {
    const body = {
      installCommand: s.installCommand.trim() || null,
      buildCommand: s.buildCommand.trim() || null,
      outputDirectory: s.outputDirectory.trim() || null,
      rootDirectory: s.rootDirectory.trim(),
      spa: s.spa,
      autoPromote: s.autoPromote,
    };
    const parsed = updateProjectSchema.safeParse(body);
    if (!parsed.success) {
      const next: Partial<Record<keyof Settings, string>> = {};
      for (const issue of parsed.error.issues) {
        next[String(issue.path[0]) as keyof Settings] ??= issue.message;
      }
      setErrors(next);
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await api.updateProject(props.project.id, parsed.data);
      alertApi.post({
        message: 'Settings saved; they apply to the next deployment',
        severity: 'success',
        display: 'transient',
      });
      props.onSaved();
    } catch (e) {
      alertApi.post({ message: errorMessage(e), severity: 'error' });
    } finally {
      setBusy(false);
    }
  };

  const text = (key: keyof Settings, label: string, helper: string) => (
    <TextField
      fullWidth
      margin="dense"
      id={`novahost-setting-${key}`}
      label={label}
      value={s[key] as string}
      onChange={e => setS({ ...s, [key]: e.target.value })}
      error={Boolean(errors[key])}
      helperText={errors[key] ?? helper}
    />
  );

  const toggle = (key: 'spa' | 'autoPromote', label: string) => (
    <FormControlLabel
      control={
        <Switch
          checked={s[key]}
          onChange={e => setS({ ...s, [key]: e.target.checked })}
        />
      }
      label={label}
    />
  );

  return (
    <InfoCard title="Settings">
      {text(
        'buildCommand',
        'Build command',
        'Empty: the package.json build script',
      )}
      {text(
        'installCommand',
        'Install command',
        'Empty: detected from the lock file',
      )}
      {text(
        'outputDirectory',
        'Output directory',
        'Empty: dist, build, out, public or _site',
      )}
      {text(
        'rootDirectory',
        'Root directory',
        'Relative to the repository; empty for its root',
      )}
      <Box display="flex" flexWrap="wrap">
        {toggle('spa', 'Single-page app')}
        {toggle('autoPromote', 'Promote new production-branch deployments')}
      </Box>
      <Box mt={1} display="flex" style={{ gap: 8 }}>
        <Button
          variant="contained"
          color="primary"
          disabled={!dirty || busy}
          onClick={save}
        >
          Save settings
        </Button>
        <Button disabled={!dirty || busy} onClick={() => setS(saved)}>
          Reset
        </Button>
      </Box>
    </InfoCard>
  );
}
