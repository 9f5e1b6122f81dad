// Issue #20 acceptance 3 (npm run test:long): kill -9 and restart with 16 streams and viewers,
// 8 tiles over WebRTC and 8 over HLS: devices online at their first keepalive, no orphaned media
// session after 10 s, every tile playing again within 10 s without a reload.
import { test } from 'node:test';
import { browserSkipReason } from '../helpers/browser.js';
import { runPageRestart } from '../helpers/page-restart.js';
import { assertPageRecovered } from '../helpers/page-restart-checks.js';

const skip = browserSkipReason();

test(
  'kill -9 and restart with 16 streams: every WebRTC and HLS tile plays again within 10 s',
  { skip },
  async () => {
    const r = await runPageRestart({
      devices: 4,
      channelsPerDevice: 4,
      layout: 16,
      webrtcTiles: 8,
      name: 'restart-16',
    });
    assertPageRecovered(r, 5);
  },
);
