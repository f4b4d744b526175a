/* What the browser tests share: where the stack runs, screenshots, signing in, opening a site. */
import { expect, Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './stack';

export const baseUrl = () => process.env.NOVAHOST_E2E_BASE_URL!;

/** `http://<label>.localhost:<proxy port>/`: a host the stack's proxy serves. */
export const siteUrl = (label: string) =>
  `http://${label}.localhost:${process.env.NOVAHOST_E2E_PROXY_PORT}/`;

const SHOTS = join(ROOT, 'e2e-artifacts/screenshots');
mkdirSync(SHOTS, { recursive: true });
export const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/**
 * Opens `url` (served by the proxy) in its own tab until it shows `text` as
 * its heading; the proxy gets route changes within a second.
 */
export async function expectSite(page: Page, url: string, text: string) {
  const site = await page.context().newPage();
  try {
    await expect(async () => {
      const res = await site.goto(url);
      expect(res?.status()).toBe(200);
      await expect(site.locator('h1')).toHaveText(text, { timeout: 1000 });
    }).toPass({ timeout: 20_000 });
    return site;
  } catch (e) {
    await site.close();
    throw e;
  }
}

/** Signs in as the guest (as on the embedded default) and opens Novahost. */
export async function openNovahostAsGuest(page: Page) {
  await page.goto(baseUrl());
  await page.getByRole('button', { name: 'Enter' }).click();
  const nav = page.getByRole('navigation', { name: 'sidebar nav' });
  await nav.getByRole('link', { name: 'Novahost' }).click();
  return nav;
}
