import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import { EntityDisplayName } from '@backstage/plugin-catalog-react';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';

/** The signed-in user's ref and the refs they may name as owner. */
export type OwnershipRefs = {
  /** `user:default/guest`: the default owner of a new project. */
  userRef: string;
  /** The user first, then their groups. */
  refs: string[];
};

const OWNER_KINDS = ['user', 'group'];

/**
 * The user and groups the signed-in user belongs to, the owners they may
 * give a project (the backend refuses others unless the policy allows them).
 * Lower-case, as the backend stores and compares refs.
 */
export function useOwnershipRefs(): {
  value?: OwnershipRefs;
  error?: Error;
} {
  const identityApi = useApi(identityApiRef);
  const { value, error } = useAsync(async () => {
    const identity = await identityApi.getBackstageIdentity();
    const userRef = identity.userEntityRef.toLocaleLowerCase('en-US');
    const refs = identity.ownershipEntityRefs
      .map(r => r.toLocaleLowerCase('en-US'))
      .filter(r => OWNER_KINDS.includes(r.split(':')[0]));
    return { userRef, refs: [...new Set([userRef, ...refs])] };
  }, [identityApi]);
  return { value, error };
}

/**
 * A select of owners, each shown by its catalog title (the app's entity
 * presentation) with its ref beside it. Options that are no longer among
 * the user's own (a project's current owner) can be listed too.
 */
export function OwnerPicker(props: {
  id: string;
  value: string;
  options: string[];
  onChange(ref: string): void;
  disabled?: boolean;
  /** A validation message for the chosen owner. */
  error?: string;
  /** Why the user's own refs could not be read. */
  loadError?: Error;
}) {
  const problem =
    props.error ??
    (props.loadError &&
      `Could not read your user and groups: ${props.loadError.message}`);
  return (
    <TextField
      select
      fullWidth
      margin="dense"
      id={props.id}
      label="Owner"
      value={props.value}
      disabled={props.disabled}
      error={Boolean(problem)}
      helperText={
        problem ??
        // A disabled picker (read-only, loading) offers no choice to explain.
        (props.disabled
          ? undefined
          : 'You or one of your groups: the owner may change, deploy and delete the project')
      }
      onChange={e => props.onChange(e.target.value)}
    >
      {/* No owner (yet): a project from before owners, or refs still loading. */}
      {props.value === '' && (
        <MenuItem value="" disabled>
          —
        </MenuItem>
      )}
      {props.options.map(ref => (
        <MenuItem key={ref} value={ref}>
          <EntityDisplayName entityRef={ref} disableTooltip />
          <Typography
            component="span"
            variant="caption"
            color="textSecondary"
            style={{ marginLeft: 8 }}
          >
            {ref}
          </Typography>
        </MenuItem>
      ))}
    </TextField>
  );
}
