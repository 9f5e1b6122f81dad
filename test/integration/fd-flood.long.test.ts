// Issue #20 point 7 as the issue measured it (npm run test:long): under an open-file limit of
// 1024, 1,100 slow HTTP connections (reopened as soon as one is closed, for 30 s) and 300 idle
// SIP/TCP connections used to take HTTP down for 30 s and drop watched streams, with no log line.
import { test } from 'node:test';
import { runConnectionFlood } from '../helpers/connection-flood.js';
import { assertFloodHeld } from '../helpers/connection-flood-checks.js';

test('1,100 slow HTTP connections, sustained for 30 s, under a 1024 fd limit: health, SIP and the stream stay up', async () => {
  const r = await runConnectionFlood({
    httpSockets: 1100,
    sipSockets: 300,
    holdSeconds: 30,
    openFiles: 1024,
    reopen: true,
  });
  assertFloodHeld(r, 1024);
});
