// Push-to-talk in the operator page (web-demo/js/talk.js), in Debian's Chromium with a fake
// microphone playing a 1 kHz tone (a WAV ffmpeg makes now): holding the tile's button talks to
// the simulated device through WHIP, and the device reports a dominant frequency of 1000 ± 20 Hz.
// Over UDP and over TCP media, in both vendor forms (raw G.711 to the SourceID; G.711 in PS, and
// the INVITE to the gateway's own ID). The level meter moves and the tile plays the camera's
// audio while talking (talk mode). A PNG of the talking tile goes to test-results/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, fakeMicrophone, launchChromium, screenshotPath } from '../helpers/browser.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { heardBy, lastBroadcast, secondsAt, toneWav } from '../helpers/voice.js';
import { sleep, waitFor } from '../helpers/wait.js';
import type { BroadcastBehaviour, VendorName } from '../../gateway/gb28181/lower/vendor-profile.js';

const skip = browserSkipReason();

interface Case {
  name: string;
  vendor: VendorName;
  broadcast?: Partial<BroadcastBehaviour>;
  form: 'rtp' | 'ps';
  transport: 'udp' | 'tcp-passive' | 'tcp-active';
}

const CASES: Case[] = [
  { name: 'raw G.711 over UDP, INVITE to the SourceID', vendor: 'generic', form: 'rtp', transport: 'udp' },
  {
    name: 'G.711 in PS over TCP (the device connects), INVITE to the gateway ID',
    vendor: 'hikvision',
    broadcast: { transport: 'tcp-active', inviteTo: 'upper' },
    form: 'ps',
    transport: 'tcp-passive',
  },
  {
    name: 'raw G.711 over TCP (we dial), INVITE to the gateway ID',
    vendor: 'dahua',
    broadcast: { transport: 'tcp-passive' },
    form: 'rtp',
    transport: 'tcp-active',
  },
  { name: 'G.711 in PS over UDP, INVITE to the SourceID', vendor: 'hikvision', form: 'ps', transport: 'udp' },
];

let browser: Browser;

before(async () => {
  if (skip) {
    return;
  }
  browser = await launchChromium(
    fakeMicrophone(toneWav({ hz: 1000, seconds: 10, rate: 48000, channels: 1 })),
  );
});
after(async () => {
  await browser?.close();
});

for (const c of CASES) {
  describe(`push-to-talk from the page, ${c.name}`, { skip }, () => {
    let h: Harness;
    let page: Page;
    let deviceId: string;
    let channelId: string;
    const pageErrors: string[] = [];

    before(async () => {
      h = await startHarness({
        simulator: { vendor: c.vendor, channels: 1, ...(c.broadcast ? { broadcast: c.broadcast } : {}) },
      });
      deviceId = h.sim.devices[0].deviceId;
      channelId = h.sim.devices[0].backend.channelIds[0];
      await h.waitForChannels(deviceId, 1);
      page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      page.on('pageerror', (err) => pageErrors.push(err.message));
      await page.goto(`${h.base}/#token=${encodeURIComponent(h.token)}`);
    });
    after(async () => {
      await page?.close();
      await h?.close();
    });

    test('holding the button, the device hears 1000 ± 20 Hz; releasing and waiting hangs up', async () => {
      await page.click(`.tree .channel[data-channel-id="${channelId}"] span`);
      const ptt = page.locator('.tile[data-index="0"] .ptt');
      await ptt.waitFor({ timeout: 15_000 });
      await ptt.hover();
      await page.mouse.down();
      await page.waitForFunction(
        () => document.querySelector<HTMLElement>('.tile')?.dataset.talkState === 'talking',
        undefined,
        {
          timeout: 10_000,
        },
      );
      const talkId = await page.$eval('.tile', (el) => (el as HTMLElement).dataset.talkId ?? '');
      // Three seconds of speaking.
      const at1k = await waitFor(
        () => {
          const s = secondsAt(heardBy(h.sim, deviceId, channelId), 1000, 20);
          return s.length >= 2 ? s : undefined;
        },
        8000,
        'two seconds of 1 kHz at the device',
      );
      assert.ok(
        at1k.every((s) => s.dbfs > -45),
        `levels ${at1k.map((s) => s.dbfs).join(', ')}`,
      );
      const meter = Number(await page.$eval('.tile', (el) => (el as HTMLElement).dataset.talkLevel));
      // Chromium's noise suppression lowers a steady tone to about -40 dBFS within seconds
      // (docs/voice.md §11); silence reads below -90.
      assert.ok(meter > -60, `the level meter reads ${meter} dBFS`);
      const unmuted = await page.$eval('.tile video', (v) => !(v as HTMLVideoElement).muted);
      assert.equal(unmuted, true, 'talk mode: the tile plays the camera audio while talking');
      await page.screenshot({ path: screenshotPath(`voice-talking-${c.vendor}-${c.transport}.png`) });
      const talk = await h.api<{
        mode: string;
        targets: { form: string; transport: string; state: string }[];
      }>(`/api/talks/${talkId}`);
      assert.equal(talk.body.mode, 'talk');
      assert.deepEqual(
        [talk.body.targets[0].state, talk.body.targets[0].form, talk.body.targets[0].transport],
        ['streaming', c.form, c.transport],
      );
      await page.mouse.up();
      await page.waitForFunction(
        () => document.querySelector<HTMLElement>('.tile')?.dataset.talkState === 'muted',
      );
      // Muted, the microphone sends silence: the device hears no tone any more.
      const before = h.sim.devices[0].backend.heard(channelId).length;
      await sleep(2200);
      const after = h.sim.devices[0].backend.heard(channelId).slice(before + 1);
      assert.ok(after.length >= 1 && after.every((s) => s.dominantHz === null), JSON.stringify(after));
      // Closing the tile hangs up (DELETE on the WHIP Location): the device gets a BYE.
      await page.click('.tile .close');
      const summary = await waitFor(() => lastBroadcast(h.sim, deviceId, channelId), 5000, 'the BYE');
      assert.equal(summary.closedBecause, 'bye-received');
      assert.deepEqual(pageErrors, []);
    });
  });
}
