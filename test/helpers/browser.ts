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

/** `extraArgs`: more flags, such as a fake microphone (voice tests). */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
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
      ...extraArgs,
    ],
  });
}

/**
 * Flags for a fake microphone that plays `wav` (16-bit PCM, looped) without asking for
 * permission: what the voice tests and the voice benchmark speak into the page with. A page that
 * holds the microphone permission makes Chromium gather per interface (docs/voice.md §11).
 */
export function fakeMicrophone(wav: string): string[] {
  return [
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-audio-capture=${wav}`,
  ];
}

/** Where e2e tests save screenshots (test-results/, ignored by git). */
export function screenshotPath(name: string): string {
  const dir = join(repoRoot, 'test-results');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
