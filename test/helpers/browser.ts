// Debian's Chromium driven by playwright-core (never a downloaded browser), with the flags that
// keep it off the network here (docs/browser-notes.md §2.4: background DNS, mDNS candidates).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from './paths.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A reason to skip, only on a developer machine without Chromium; under CI a missing browser fails. */
export function browserSkipReason(): string | false {
  if (existsSync(CHROMIUM)) {
    return false;
  }
  return process.env.CI || process.env.REQUIRE_E2E ? false : `${CHROMIUM} missing`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--autoplay-policy=no-user-gesture-required',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-features=WebRtcHideLocalIpsWithMdns,OptimizationHints,MediaRouter',
      '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
    ],
  });
}

/** Where e2e tests save screenshots (test-results/, ignored by git). */
export function screenshotPath(name: string): string {
  const dir = join(repoRoot, 'test-results');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
