// /metrics of a running gateway (a registered device, a live stream, a WHEP viewer's worth of
// traffic) through `promtool check metrics`: no finding at all. And the SIP traffic the gateway
// sends is counted (direction="out"), as what it receives is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
const havePromtool = spawnSync('promtool', ['--version']).status === 0;
const skip = !havePromtool && !process.env.CI ? 'promtool missing (Debian package prometheus)' : false;

let h: Harness;
before(async () => {
  h = await startHarness({ simulator: { channels: 1 } });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(DEVICE, 1);
});
after(async () => {
  await h?.close();
});

const scrape = async (): Promise<string> => (await fetch(`${h.base}/metrics`)).text();
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('promtool check metrics reports nothing on a live gateway', { skip }, async () => {
  const live = await h.api<{ hls: string }>(`/api/devices/${DEVICE}/channels/${CHANNEL}/live`, {
    method: 'POST',
  });
  assert.equal(live.status, 200);
  await waitFor(async () => (await fetch(h.base + live.body.hls)).status === 200, 15_000, 'HLS');
  const text = await scrape();
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text });
  assert.equal(`${r.stdout.toString()}${r.stderr.toString()}`, '', 'promtool findings');
  assert.equal(r.status, 0);
});

test('outbound SIP is counted: requests we send and responses we answer with, direction="out"', async () => {
  const text = await scrape();
  // REGISTER answered (401, then 200), Catalog query MESSAGE sent and answered, INVITE sent
  assert.ok(
    (sample(text, 'gb_sip_responses_total{method="REGISTER",code="200",direction="out"}') ?? 0) >= 1,
    text,
  );
  assert.ok((sample(text, 'gb_sip_requests_total{method="MESSAGE",direction="out"}') ?? 0) >= 1);
  assert.ok((sample(text, 'gb_sip_requests_total{method="INVITE",direction="out"}') ?? 0) >= 1);
  assert.ok((sample(text, 'gb_sip_responses_total{method="INVITE",code="200",direction="in"}') ?? 0) >= 1);
  // known label sets are there at 0 before their first event
  assert.equal(sample(text, 'gb_sip_requests_total{method="SUBSCRIBE",direction="out"}'), 0);
  assert.equal(sample(text, 'gb_registration_failures_total{reason="wrong-password"}'), 0);
  assert.equal(sample(text, 'gb_media_packets_lost_total{transport="tcp-active"}'), 0);
  assert.doesNotMatch(text, /^nodejs_active_handles_total/m);
});
