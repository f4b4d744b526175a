import {
  DEPLOYMENT_TARGETS,
  type DeploymentTarget,
} from '@internal/plugin-novahost-common';
import ToggleButton from '@material-ui/lab/ToggleButton';
import ToggleButtonGroup from '@material-ui/lab/ToggleButtonGroup';
import { useSearchParams } from 'react-router-dom';

/** Which deployments the project page lists: one target, or all. */
export type TargetFilter = DeploymentTarget | 'all';

const OPTIONS: Array<{ value: TargetFilter; label: string }> = [
  { value: 'production', label: 'Production' },
  { value: 'preview', label: 'Preview' },
  { value: 'all', label: 'All' },
];

/**
 * The target filter, kept in the page's `?target=` so a filtered list can be
 * linked and survives a reload; anything else there means all.
 */
export function useTargetFilter(): [TargetFilter, (f: TargetFilter) => void] {
  const [params, setParams] = useSearchParams();
  const raw = params.get('target');
  const value: TargetFilter = (
    DEPLOYMENT_TARGETS as readonly string[]
  ).includes(raw ?? '')
    ? (raw as DeploymentTarget)
    : 'all';
  const set = (f: TargetFilter) =>
    setParams(
      prev => {
        const next = new URLSearchParams(prev);
        if (f === 'all') next.delete('target');
        else next.set('target', f);
        return next;
      },
      { replace: true },
    );
  return [value, set];
}

/** Production / Preview / All, as one toggle group. */
export function DeploymentFilters(props: {
  value: TargetFilter;
  onChange(value: TargetFilter): void;
}) {
  return (
    <ToggleButtonGroup
      size="small"
      exclusive
      value={props.value}
      aria-label="Show deployments"
      // Pressing the selected button again answers null: keep the choice.
      onChange={(_e, v: TargetFilter | null) => v && props.onChange(v)}
    >
      {OPTIONS.map(o => (
        <ToggleButton key={o.value} value={o.value} aria-label={o.label}>
          {o.label}
        </ToggleButton>
      ))}
    </ToggleButtonGroup>
  );
}
