// The digest guessing counters (issue #20 point 3) read from the registrar's refusal reasons.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayMetrics } from './metrics.js';

test('wrong passwords count as auth failures; refusals without a check count as throttled, by scope', async () => {
  const m = new GatewayMetrics({
    devices: () => ({ online: 0, offline: 0 }),
    channels: () => 0,
    streams: () => [],
    viewers: () => ({ webrtc: 0, hls: 0 }),
  });
  let text = await m.render();
  assert.match(text, /^gb_sip_auth_failures_total 0$/m);
  assert.match(
    text,
    /^gb_sip_auth_throttled_total\{scope="device"\} 0$/m,
    'series exist before the first event',
  );
  assert.match(text, /^gb_sip_auth_throttled_total\{scope="address"\} 0$/m);
  for (const reason of [
    'wrong-password',
    'wrong-password',
    'locked-out',
    'throttled',
    'throttled',
    'throttled',
  ]) {
    m.registrationFailed(reason);
  }
  m.registrationFailed('stale-nonce');
  text = await m.render();
  assert.match(text, /^gb_sip_auth_failures_total 2$/m);
  assert.match(text, /^gb_sip_auth_throttled_total\{scope="device"\} 1$/m);
  assert.match(text, /^gb_sip_auth_throttled_total\{scope="address"\} 3$/m);
  assert.match(text, /^gb_registration_failures_total\{reason="throttled"\} 3$/m);
});
