// The dashboard's deploy section in a real browser: a definition behind the deploy proxy shows its
// revision, instances with their revision and traffic, and a running deploy's current step.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, tempHome } from '../helpers.js';
import { startListening } from './tcp-helpers.js';
import { launchChromium } from './dashboard-helpers.js';
import { freePort, NODE_SERVER } from './deploys-helpers.js';

let home: string;
let browser: Browser;
let port: number;

beforeAll(async () => {
  home = tempHome('sn-webd-');
  await startListening(home);
  browser = await launchChromium();
  port = await freePort();
  const r = await cli(home, ['deploy', 'web', '--command', NODE_SERVER, '--port', String(port), '-i', '2', '-e', 'VERSION=1', '--min-healthy', '300ms']);
  expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await browser?.close();
  await cleanupHome(home);
});

async function open(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('pageerror', (err) => { throw new Error(`the page threw: ${err.message}`); });
  const out = await cliJson<{ link: string }>(home, ['dashboard', '--role', 'viewer']);
  await page.goto(out.link);
  await page.waitForSelector('#process-table');
  await page.goto(`${new URL(out.link).origin}/#/process/${encodeURIComponent('web:0')}`);
  return page;
}

describe('dashboard: deploys', () => {
  it('shows the revision, the instances and the steps of a running deploy, then its outcome', async () => {
    const page = await open();
    await page.waitForFunction(() => document.querySelector('#d-summary')?.textContent?.includes(`served on port`));
    expect(await page.textContent('#d-summary')).toContain(`Revision 1, served on port ${port} through the proxy. Deploy 1 (rolling, revision none → 1) succeeded`);
    expect(await page.locator('#d-instances tr').count()).toBe(2);
    expect(await page.textContent('#d-instances')).toContain('running');

    const d = await cliJson<{ deploy: { id: number } }>(home, ['deploy', 'web', '-e', 'VERSION=2', '--min-healthy', '4s', '--no-wait']);
    await page.waitForFunction(() => document.querySelector('#d-steps li')?.textContent?.includes('(now)'), undefined, { timeout: 15_000 });
    expect(await page.textContent('#d-steps')).toContain('start 1 new instance, wait until ready and healthy (now)');
    expect(await page.textContent('#d-summary')).toContain(`Deploy ${d.deploy.id} (rolling, revision 1 → 2) running`);
    await page.waitForFunction(() => document.querySelector('#d-summary')?.textContent?.includes('succeeded') && document.querySelector('#d-summary')?.textContent?.startsWith('Revision 2'), undefined, { timeout: 40_000 });
    const revisions = await page.locator('#d-instances tr td:nth-child(2)').allTextContents();
    expect(revisions).toEqual(['2', '2']);
  }, 60_000);
});
