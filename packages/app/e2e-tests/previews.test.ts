/*
 * A preview with its branch alias, without webhooks: production deployed
 * from main, then a branch of the same local repository deployed from the
 * UI. It is marked Preview, never promoted, and the real proxy serves it at
 * `<slug>-git-<branch>` while production still serves main. The project
 * page's webhook card says no delivery has arrived (a local repository).
 */
import { expect, test } from '@playwright/test';
import {
  baseUrl,
  expectSite,
  openNovahostAsGuest,
  shot,
  siteUrl,
} from './browser';
import { createProjectAsAdmin } from './globalSetup';
import { commitOnBranch, siteHeadingAt } from './site';

const BRANCH = 'feature/preview';
const ALIAS_LABEL = 'preview-site-git-feature-preview';

test('a branch deployed from the UI is a preview at its branch alias', async ({
  page,
}) => {
  const repo = process.env.NOVAHOST_E2E_REPO!;
  // The guest's own project, so it may deploy (guest sign-in is user:default/guest).
  const slug = await createProjectAsAdmin(baseUrl(), {
    name: 'Preview Site',
    repoUrl: repo,
    owner: 'user:default/guest',
  });
  expect(slug).toBe('preview-site');
  const production = siteHeadingAt(repo, 'main');
  commitOnBranch(repo, BRANCH, 'preview');

  await openNovahostAsGuest(page);
  await page.goto(`${baseUrl()}/novahost/projects/${slug}`);

  // The webhook setup, and its check: nothing has arrived.
  await expect(page.getByTestId('webhook-url')).toContainText(
    '/api/events/http/github',
  );
  await expect(page.getByTestId('webhook-events')).toHaveText(
    'push, pull_request',
  );
  await expect(page.getByTestId('webhook-last-delivery')).toContainText(
    'No delivery has arrived yet.',
  );

  // Production from main first.
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await expect(page).toHaveURL(/\/novahost\/deployments\/[0-9a-f-]+$/);
  await expect(page.getByTestId('deployment-target')).toHaveText('Production');
  await expect(page.getByTestId('deployment-status')).toHaveText('Ready', {
    timeout: 90_000,
  });
  const productionId = (
    await page.getByRole('heading', { name: /^Deployment / }).innerText()
  )
    .replace('Deployment ', '')
    .trim();
  await page.getByRole('link', { name: 'Back to the project' }).click();
  await expect(page.getByTestId('production-card')).toContainText(productionId);

  // The branch, from the UI: the dialog says it makes a preview, and where.
  await page.getByRole('button', { name: 'Deploy a branch' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Branch, tag or commit').fill(BRANCH);
  await expect(dialog.getByTestId('deploy-branch-target')).toContainText(
    `A preview, never promoted automatically, served at ${ALIAS_LABEL}.localhost:`,
  );
  await shot(page, '11-deploy-branch-dialog');
  await dialog.getByRole('button', { name: `Deploy ${BRANCH}` }).click();

  // Its page: Preview, the branch, and once ready the alias.
  await expect(page).toHaveURL(/\/novahost\/deployments\/[0-9a-f-]+$/);
  const git = page.getByTestId('deployment-git');
  await expect(git.getByTestId('deployment-target')).toHaveText('Preview');
  await expect(git).toContainText(BRANCH);
  await expect(git).toContainText('Source: manual');
  await expect(page.getByTestId('deployment-status')).toHaveText('Ready', {
    timeout: 90_000,
  });
  const aliasUrl = siteUrl(ALIAS_LABEL).replace(/\/$/, '');
  await expect(
    git.getByRole('link', { name: `${ALIAS_LABEL}.localhost` }),
  ).toHaveAttribute('href', aliasUrl);
  await shot(page, '12-preview-deployment');

  // The project page: production unchanged; the Preview filter lists it.
  await page.getByRole('link', { name: 'Back to the project' }).click();
  await expect(page.getByTestId('production-card')).toContainText(productionId);
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  await expect(page).toHaveURL(/\?target=preview$/);
  const rows = page.getByRole('row').filter({ hasText: BRANCH });
  await expect(rows).toHaveCount(1);
  await expect(rows.getByTestId('deployment-target')).toHaveText('Preview');
  await expect(
    rows.getByRole('link', { name: `${ALIAS_LABEL}.localhost` }),
  ).toHaveAttribute('href', aliasUrl);
  await expect(
    page.getByRole('row').filter({ hasText: productionId }),
  ).toHaveCount(0);
  await shot(page, '13-project-previews');

  // Through the real proxy: the alias serves the branch, production main.
  const preview = await expectSite(
    page,
    `${aliasUrl}/`,
    'Novahost e2e preview',
  );
  await shot(preview, '14-preview-site');
  await preview.close();
  const site = await expectSite(page, siteUrl(slug), production);
  await site.close();
});
