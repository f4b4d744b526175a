/*
 * The daily loop in a real browser: create a project from a local git
 * repository, deploy, watch the live log until ready, open the site through
 * the proxy, deploy a second commit, roll back, and see the proxy serve the
 * first version again; then the catalog entity's Novahost tab and card.
 * And ownership: the guest, in no group, opens another group's project and
 * finds its changes disabled, with the reason.
 */
import { expect, Page, test } from '@playwright/test';
import {
  baseUrl,
  expectSite as expectSiteAt,
  openNovahostAsGuest,
  shot,
  siteUrl,
} from './browser';
import { OTHER_TEAM_PROJECT, PROJECT_SLUG } from './globalSetup';
import { commitV2 } from './site';

/** Opens the project's production site until it shows `text`. */
const expectSite = (page: Page, text: string) =>
  expectSiteAt(page, siteUrl(PROJECT_SLUG), text);

/** Presses Deploy on the project page and follows the build on the deployment page; returns its short id. */
async function deployAndWatch(page: Page, name: string): Promise<string> {
  await page.getByRole('button', { name: 'Deploy', exact: true }).click();
  await expect(page).toHaveURL(/\/novahost\/deployments\/[0-9a-f-]+$/);
  const heading = page.getByRole('heading', { name: /^Deployment / });
  await expect(heading).toBeVisible();
  const shortId = (await heading.innerText()).replace('Deployment ', '').trim();
  const status = page.getByTestId('deployment-status');

  // Lines arrive while the build runs: the first step shows before the status is final.
  await expect(page.getByText('build step 1 of 6')).toBeVisible();
  await expect(status).not.toHaveText(/Ready|Failed|Canceled/);
  await expect(page.getByText('Live', { exact: true })).toBeVisible();
  await shot(page, `${name}-live`);

  await expect(page.getByText('build step 6 of 6')).toBeVisible();
  await expect(status).toHaveText('Ready', { timeout: 90_000 });
  await expect(page.getByTestId('elapsed')).toHaveText(/^Took \d+s/);
  await expect(page.getByText('wrote dist/index.html')).toBeVisible();
  await shot(page, `${name}-ready`);
  return shortId;
}

test("another group's project: Delete disabled, with the reason", async ({
  page,
}) => {
  const { name, slug, owner } = OTHER_TEAM_PROJECT;
  await openNovahostAsGuest(page);
  await page.getByRole('link', { name, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/novahost/projects/${slug}$`));

  // The owner, as a link to its catalog page.
  await expect(
    page.getByTestId('project-owner').getByRole('link'),
  ).toHaveAttribute('href', '/catalog/default/group/team-a');

  // Delete is disabled once the policy has answered, and says why.
  const reason = `Only the owner (${owner}) or a Novahost admin can delete this project`;
  const wrapper = page.getByTestId('disabled-reason-Delete project');
  await expect(wrapper).toHaveAttribute('title', reason);
  await expect(
    page.getByRole('button', { name: 'Delete project' }),
  ).toBeDisabled();
  await expect(
    page.getByRole('button', { name: 'Deploy', exact: true }),
  ).toBeDisabled();
  await expect(page.getByTestId('settings-read-only')).toContainText(
    `Only the owner (${owner})`,
  );
  await wrapper.hover();
  await expect(page.getByRole('tooltip')).toHaveText(reason);
  await shot(page, '10-other-group-project');
});

test('create, deploy, watch, visit, roll back', async ({ page }) => {
  const nav = await openNovahostAsGuest(page);
  // Never empty: globalSetup created another group's project.
  await expect(page.getByText(/^Projects \(\d+\)$/)).toBeVisible();
  await shot(page, '01-projects');

  // New project, with client-side validation first.
  await page.getByRole('button', { name: 'New project' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Name').fill('E2E Site');
  await dialog.getByLabel('Git repository').fill('not a url');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(dialog.getByText(/must be an https:\/\/ URL/)).toBeVisible();
  await dialog
    .getByLabel('Git repository')
    .fill(process.env.NOVAHOST_E2E_REPO!);
  await shot(page, '02-new-project');
  await dialog.getByRole('button', { name: 'Create' }).click();
  await expect(page).toHaveURL(
    new RegExp(`/novahost/projects/${PROJECT_SLUG}$`),
  );
  await expect(page.getByText(/No deployments yet/)).toBeVisible();

  // First deployment (v1): live log, ready, served by the proxy.
  const v1 = await deployAndWatch(page, '03-deployment-v1');
  let site = await expectSite(page, 'Novahost e2e v1');
  await shot(site, '04-site-v1');
  await site.close();

  // A new commit, deployed from the project page (v2 becomes production).
  commitV2(process.env.NOVAHOST_E2E_REPO!);
  await page.getByRole('link', { name: 'Back to the project' }).click();
  const v2 = await deployAndWatch(page, '05-deployment-v2');
  site = await expectSite(page, 'Novahost e2e v2');
  await site.close();

  // Roll back to v1 from the deployments table, with confirmation.
  await page.getByRole('link', { name: 'Back to the project' }).click();
  const production = page.getByTestId('production-card');
  await expect(production).toContainText(v2);
  const v1Row = page.getByRole('row').filter({ hasText: v1 });
  await expect(
    page
      .getByRole('row')
      .filter({ hasText: v2 })
      .getByRole('button', { name: 'Cancel' }),
  ).toBeDisabled();
  await v1Row.getByRole('button', { name: 'Rollback' }).click();
  await expect(page.getByRole('dialog')).toContainText('Roll back production?');
  await page
    .getByRole('dialog')
    .getByRole('button', { name: 'Roll back' })
    .click();
  await expect(production).toContainText(v1);
  await shot(page, '06-project-rolled-back');
  site = await expectSite(page, 'Novahost e2e v1');
  await site.close();

  // The projects list shows it with its production URL and last deployment.
  await nav.getByRole('link', { name: 'Novahost' }).click();
  const row = page.getByRole('row').filter({ hasText: 'E2E Site' });
  await expect(row).toContainText(`${PROJECT_SLUG}.localhost`);
  await expect(row).toContainText('Ready');
  await shot(page, '07-projects');

  // The catalog entity annotated with the project: card on the overview, Novahost tab.
  await page.goto(`${baseUrl()}/catalog/default/component/${PROJECT_SLUG}`);
  await expect(page.getByText('Novahost deployments')).toBeVisible();
  await expect(page.getByText(v1).first()).toBeVisible();
  await shot(page, '08-entity-overview');
  await page
    .locator(`a[href="/catalog/default/component/${PROJECT_SLUG}/novahost"]`)
    .click();
  await expect(page).toHaveURL(/\/novahost$/);
  await expect(page.getByTestId('production-card')).toContainText(v1);
  await shot(page, '09-entity-tab');
});
