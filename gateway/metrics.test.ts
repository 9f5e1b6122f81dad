import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayMetrics } from './metrics.js';

test('series move with the state they read and the events they count', async () => {
  const state = { online: 0, offline: 1, channels: 0, streams: [] as { kind: string; transport: string }[] };
  const m = new GatewayMetrics({
    devices: () => ({ online: state.online, offline: state.offline }),
    channels: () => state.channels,
    streams: () => state.streams,
    viewers: () => ({ webrtc: state.streams.length, hls: 0 }),
  });
  let text = await m.render();
  assert.match(text, /gb_devices\{state="online"\} 0/);
  assert.match(text, /gb_rtp_non_rtp_packets_total\{transport="udp"\} 0/, 'emitted at 0 before any junk');
  state.online = 1;
  state.channels = 4;
  state.streams = [{ kind: 'live', transport: 'udp' }];
  m.sipRequest('REGISTER', 'in');
  m.ingest('udp', {
    bytes: 1400,
    packets: 1,
    lost: 2,
    reordered: 0,
    demuxErrors: 1,
    ssrcMismatches: 0,
    sourceMismatches: 3,
    nonRtp: 4,
  });
  m.firstKeyframe('live', 0.4);
  text = await m.render();
  assert.match(text, /gb_devices\{state="online"\} 1/);
  assert.match(text, /gb_channels 4/);
  assert.match(text, /gb_streams_active\{kind="live",transport="udp"\} 1/);
  assert.match(text, /gb_viewers\{output="webrtc"\} 1/);
  assert.match(text, /gb_sip_requests_total\{method="REGISTER",direction="in"\} 1/);
  assert.match(text, /gb_media_packets_lost_total\{transport="udp"\} 2/);
  assert.match(text, /gb_rtp_source_mismatches_total 3/);
  assert.match(text, /gb_rtp_non_rtp_packets_total\{transport="udp"\} 4/);
  assert.match(text, /gb_rtp_non_rtp_packets_total\{transport="tcp-passive"\} 0/);
  assert.match(text, /gb_invite_to_first_keyframe_seconds_count\{kind="live"\} 1/);
  assert.match(text, /process_cpu_seconds_total/);
  assert.doesNotMatch(text, /device="/, 'device labels are off by default');
});
