import { useEffect, useState } from 'react';
import { InfoCard } from '@backstage/core-components';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import {
  updateProjectSchema,
  type Project,
} from '@internal/plugin-novahost-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import Switch from '@material-ui/core/Switch';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { errorMessage, novahostApiRef } from '../api';
import { OwnerPicker, useOwnershipRefs } from './OwnerPicker';
import { ReasonButton, useProjectPermission } from './projectPermissions';

type Settings = {
  installCommand: string;
  buildCommand: string;
  outputDirectory: string;
  rootDirectory: string;
  spa: boolean;
  autoPromote: boolean;
  /** '' for a project without an owner. */
  owner: string;
  branch: string;
  /** One path per line (commas separate too). */
  watchPaths: string;
  allowForkPreviews: boolean;
};

/** The watch paths typed in the form: one per line or comma-separated. */
export function parseWatchPaths(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map(p => p.trim())
    .filter(Boolean);
}

function fromProject(p: Project): Settings {
  return {
    installCommand: p.installCommand ?? '',
    buildCommand: p.buildCommand ?? '',
    outputDirectory: p.outputDirectory ?? '',
    rootDirectory: p.rootDirectory,
    spa: p.spa,
    autoPromote: p.autoPromote,
    owner: p.owner ?? '',
    branch: p.branch,
    watchPaths: p.watchPaths.join('\n'),
    allowForkPreviews: p.allowForkPreviews,
  };
}

/** The owner's field: a picker, or why the owner cannot be changed here. */
function OwnerField(props: {
  project: Project;
  value: string;
  onChange(owner: string): void;
  disabled: boolean;
  error?: string;
}) {
  const mine = useOwnershipRefs();
  const { owner, entityRef } = props.project;
  if (entityRef) {
    return (
      <Typography variant="body2" data-testid="owner-follows-entity">
        Owner: {owner ? <EntityRefLink entityRef={owner} /> : 'none'}. The owner
        follows the catalog entity <EntityRefLink entityRef={entityRef} />;
        change it there.
      </Typography>
    );
  }
  // The user's own refs, and the current owner even when it is not theirs.
  const options = [
    ...new Set([...(owner ? [owner] : []), ...(mine.value?.refs ?? [])]),
  ];
  return (
    <OwnerPicker
      id="novahost-setting-owner"
      value={props.value}
      options={options}
      onChange={props.onChange}
      disabled={props.disabled}
      error={props.error}
      loadError={mine.error}
    />
  );
}

/**
 * Owner, Git (production branch, watch paths, fork previews) and build
 * settings of a project; an empty command means "detect". Read-only, with
 * the reason, for a user the policy does not let update it.
 */
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
  const update = useProjectPermission(props.project, 'update');
  const saved = fromProject(props.project);
  const dirty = JSON.stringify(saved) !== JSON.stringify(s);

  // A save elsewhere (or a reload) replaces an untouched form.
  const savedKey = JSON.stringify(saved);
  useEffect(() => {
    setS(JSON.parse(savedKey));
  }, [savedKey]);

  const save = async () => {
    const watchPaths = parseWatchPaths(s.watchPaths);
    const body = {
      branch: s.branch.trim(),
      watchPaths,
      allowForkPreviews: s.allowForkPreviews,
      installCommand: s.installCommand.trim() || null,
      buildCommand: s.buildCommand.trim() || null,
      outputDirectory: s.outputDirectory.trim() || null,
      rootDirectory: s.rootDirectory.trim(),
      spa: s.spa,
      autoPromote: s.autoPromote,
      // Only a change: the same owner again is no change to authorize.
      ...(s.owner !== saved.owner ? { owner: s.owner } : {}),
    };
    const parsed = updateProjectSchema.safeParse(body);
    if (!parsed.success) {
      const next: Partial<Record<keyof Settings, string>> = {};
      for (const issue of parsed.error.issues) {
        const [key, index] = issue.path;
        // Name the watch path at fault: the list is typed as text.
        const message =
          key === 'watchPaths' && typeof index === 'number'
            ? `${watchPaths[index]}: ${issue.message}`
            : issue.message;
        next[String(key) as keyof Settings] ??= message;
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

  const text = (
    key: keyof Settings,
    label: string,
    helper: string,
    multiline?: boolean,
  ) => (
    <TextField
      fullWidth
      margin="dense"
      multiline={multiline}
      minRows={multiline ? 2 : undefined}
      id={`novahost-setting-${key}`}
      label={label}
      value={s[key] as string}
      disabled={!update.allowed}
      onChange={e => setS({ ...s, [key]: e.target.value })}
      error={Boolean(errors[key])}
      helperText={errors[key] ?? helper}
    />
  );

  const toggle = (
    key: 'spa' | 'autoPromote' | 'allowForkPreviews',
    label: string,
  ) => (
    <FormControlLabel
      control={
        <Switch
          checked={s[key]}
          disabled={!update.allowed}
          onChange={e => setS({ ...s, [key]: e.target.checked })}
        />
      }
      label={label}
    />
  );

  return (
    <InfoCard title="Settings">
      {update.denied && (
        <Typography
          variant="body2"
          color="textSecondary"
          role="note"
          data-testid="settings-read-only"
        >
          {update.disabledReason}.
        </Typography>
      )}
      <OwnerField
        project={props.project}
        value={s.owner}
        onChange={owner => setS({ ...s, owner })}
        disabled={!update.allowed}
        error={errors.owner}
      />
      {text(
        'branch',
        'Production branch',
        'Deploys and pushes of this branch go to production; other branches and pull requests make previews',
      )}
      {text(
        'watchPaths',
        'Watch paths',
        'One per line: a push deploys only when it changes files under one of them. Empty: the root directory',
        true,
      )}
      {toggle(
        'allowForkPreviews',
        'Build previews of pull requests from forks (never with secrets)',
      )}
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
        <ReasonButton
          variant="contained"
          color="primary"
          disabled={!dirty || busy}
          disabledReason={update.disabledReason}
          reasonName="Save settings"
          onClick={save}
        >
          Save settings
        </ReasonButton>
        <Button disabled={!dirty || busy} onClick={() => setS(saved)}>
          Reset
        </Button>
      </Box>
    </InfoCard>
  );
}
