import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { VoiceMetrics, TALK_FAILURES } from './voice.js';

test('voice series exist at 0 before the first talk, then count', async () => {
  const registry = new Registry();
  let active = { broadcast: 0, talk: 0 };
  const m = new VoiceMetrics(registry, () => active);
  let text = await registry.metrics();
  for (const reason of TALK_FAILURES) {
    assert.match(text, new RegExp(`gb_talk_failures_total\\{reason="${reason}"\\} 0`));
  }
  assert.match(text, /gb_talk_audio_packets_sent_total\{form="rtp"\} 0/);
  assert.match(text, /gb_talk_audio_packets_sent_total\{form="ps"\} 0/);
  assert.match(text, /gb_talk_sessions_active\{mode="talk"\} 0/);
  m.talkStarted('talk');
  m.failure('no-invite');
  m.packet('ps', 214);
  m.packet('ps', 214);
  active = { broadcast: 2, talk: 1 };
  text = await registry.metrics();
  assert.match(text, /gb_talk_sessions_total\{mode="talk"\} 1/);
  assert.match(text, /gb_talk_failures_total\{reason="no-invite"\} 1/);
  assert.match(text, /gb_talk_audio_packets_sent_total\{form="ps"\} 2/);
  assert.match(text, /gb_talk_audio_bytes_sent_total\{form="ps"\} 428/);
  assert.match(text, /gb_talk_sessions_active\{mode="broadcast"\} 2/);
});
