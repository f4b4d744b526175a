import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  permissionApiRef,
  type PermissionApi,
} from '@backstage/plugin-permission-react';
import { screen, waitFor } from '@testing-library/react';
import {
  deniedReason,
  ReasonButton,
  useProjectPermission,
  type ProjectRef,
} from './projectPermissions';

function DeleteButton(props: { project?: ProjectRef }) {
  const del = useProjectPermission(props.project, 'delete');
  return (
    <ReasonButton reasonName="Delete" disabledReason={del.disabledReason}>
      Delete
    </ReasonButton>
  );
}

/** Renders the button; each test uses its own project id (decisions are cached per id). */
async function render(project: ProjectRef | undefined, api: PermissionApi) {
  await renderInTestApp(<DeleteButton project={project} />, {
    apis: [[permissionApiRef, api]],
  });
  return screen.getByRole('button', { name: 'Delete' });
}

const reasonOf = () => screen.getByTestId('disabled-reason-Delete').title;

describe('deniedReason', () => {
  it('names the owner, or who else may act', () => {
    expect(deniedReason('group:default/team-a', 'deploy')).toBe(
      'Only the owner (group:default/team-a) or a Novahost admin can deploy this project',
    );
    expect(deniedReason(null, 'delete')).toBe(
      'Only a Novahost admin can delete this project',
    );
    expect(deniedReason(undefined, 'cancel')).toBe(
      "Only the project's owner or a Novahost admin can cancel this project's deployments",
    );
  });
});

describe('useProjectPermission with ReasonButton', () => {
  it('enables the button when the policy allows, with no reason', async () => {
    const button = await render(
      { id: 'p-allowed', owner: 'user:default/guest' },
      mockApis.permission({ authorize: AuthorizeResult.ALLOW }),
    );
    await waitFor(() => expect(button).toBeEnabled());
    expect(screen.queryByTestId('disabled-reason-Delete')).toBeNull();
  });

  it('asks about the project by id and says who may act when denied', async () => {
    const asked: unknown[] = [];
    const button = await render(
      { id: 'p-denied', owner: null },
      mockApis.permission({
        authorize: req => {
          asked.push(req.resourceRef);
          return AuthorizeResult.DENY;
        },
      }),
    );
    await waitFor(() =>
      expect(reasonOf()).toBe('Only a Novahost admin can delete this project'),
    );
    expect(button).toBeDisabled();
    expect(asked).toContain('p-denied');
  });

  it('stays disabled while the project is not known', async () => {
    const button = await render(
      undefined,
      mockApis.permission({ authorize: AuthorizeResult.ALLOW }),
    );
    expect(button).toBeDisabled();
    expect(reasonOf()).toBe('Checking your permissions…');
  });

  it('says so when the decision cannot be had', async () => {
    const button = await render(
      { id: 'p-error', owner: 'group:default/team-a' },
      {
        authorize: async () => {
          throw new Error('permission backend unreachable');
        },
      },
    );
    await waitFor(() =>
      expect(reasonOf()).toBe(
        'Could not check your permissions: permission backend unreachable',
      ),
    );
    expect(button).toBeDisabled();
  });
});
