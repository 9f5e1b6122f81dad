// Issue #20 point 4 in the operator page, short version (16 streams: page-restart.long.test.ts):
// kill -9 and restart with a WebRTC tile and an HLS tile playing. Both play again within 10 s
// without a reload (the player notices the frozen picture, asks for the stream again and starts
// over), the device is online at its first keepalive at the latest, and the media sessions the
// killed process had opened are gone within 10 s (their dialogs got a BYE).
import { test } from 'node:test';
import { browserSkipReason } from '../helpers/browser.js';
import { runPageRestart } from '../helpers/page-restart.js';
import { assertPageRecovered } from '../helpers/page-restart-checks.js';

const skip = browserSkipReason();

test(
  'kill -9 and restart: a WebRTC and an HLS tile play again within 10 s, no orphaned media session',
  { skip },
  async () => {
    const r = await runPageRestart({
      devices: 1,
      channelsPerDevice: 2,
      layout: 4,
      webrtcTiles: 1,
      name: 'restart-2',
    });
    assertPageRecovered(r, 5);
  },
);
