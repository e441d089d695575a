// A real Chromium (Debian's, driven by playwright-core) for the dashboard tests. A missing browser fails
// the test with what to install: nothing is skipped silently and no browser is downloaded.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT } from '../helpers.js';

export const CHROMIUM = process.env.SENTINEL_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'dashboard');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: the dashboard tests drive a real browser. Install it with "apt-get install -y chromium" (.ci/run does), or point SENTINEL_CHROMIUM at one`);
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-dev-shm-usage'] });
}

export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}
