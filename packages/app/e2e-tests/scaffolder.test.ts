/*
 * The React + Vite template through Backstage's scaffolder UI: choose it,
 * fill the form, create, follow the task until its output links, and open
 * the live site through the proxy. The build is a real `npm install` +
 * `vite build` of the generated app; the repository is a local bare one in
 * the stack's temp directory (novahost:publish:local).
 */
import { expect, test } from '@playwright/test';
import { baseUrl, shot } from './browser';

const NAME = 'ui-dashboard';

test.use({ actionTimeout: 30_000 });

test('React + Vite template: from the form to a live site', async ({
  page,
}) => {
  await page.goto(`${baseUrl()}/create`);
  await page.getByRole('button', { name: 'Enter' }).click();

  const card = page.locator('.MuiCard-root', {
    hasText: 'React + Vite single-page app on Novahost',
  });
  await card.getByTestId('template-card-actions--create').click();

  // The name is validated as a DNS label before anything runs.
  const name = page.getByRole('textbox', { name: /^Name/ });
  await name.fill('Not a slug');
  // Owner stays empty: the guest is in no group, so it owns the project
  // itself (Novahost refuses an owner the user does not belong to).
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.locator('#root_name__error')).toHaveText(
    /must match pattern/,
  );
  await name.fill(NAME);
  await shot(page, 'scaffolder-01-form');
  await page.getByRole('button', { name: 'Next' }).click();

  // Repository: "as configured" publishes to a local git repository here.
  await page.getByRole('button', { name: 'Review' }).click();
  await shot(page, 'scaffolder-02-review');
  await page.getByRole('button', { name: 'Create' }).click();

  // The task page: steps run, the build log streams in, output links appear.
  const live = page.getByRole('link', { name: 'Live site' });
  await expect(live).toBeVisible({ timeout: 240_000 });
  await shot(page, 'scaffolder-03-done');
  await expect(
    page.getByRole('link', { name: 'Open in catalog' }),
  ).toBeVisible();
  const href = await live.getAttribute('href');
  expect(href).toBe(
    `http://${NAME}.localhost:${process.env.NOVAHOST_E2E_PROXY_PORT}`,
  );

  const site = await page.context().newPage();
  await expect(async () => {
    const res = await site.goto(href!);
    expect(res?.status()).toBe(200);
    await expect(site.locator('h1')).toHaveText(NAME, { timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  // The React app runs: its button counts clicks.
  await site.getByRole('button', { name: 'Clicked 0 times' }).click();
  await expect(
    site.getByRole('button', { name: 'Clicked 1 times' }),
  ).toBeVisible();
  await shot(site, 'scaffolder-04-site');
});
