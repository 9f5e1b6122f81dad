// Issue #20 point 7, short version (the long one: fd-flood.long.test.ts, npm run test:long): under
// an open-file limit of 512, 500 slow HTTP connections and 250 idle SIP/TCP connections from
// hundreds of addresses leave health, SIP and the running stream up, and are refused or closed
// by caps that keep the gateway below its limit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runConnectionFlood } from '../helpers/connection-flood.js';
import { assertFloodHeld } from '../helpers/connection-flood-checks.js';

test('500 slow HTTP and 250 idle SIP/TCP connections under a 512 fd limit: health, SIP and the stream stay up', async () => {
  const r = await runConnectionFlood({ httpSockets: 500, sipSockets: 250, holdSeconds: 6, openFiles: 512 });
  assertFloodHeld(r, 512);
  assert.ok(
    r.limits.sipTcp.refused['evicted-idle'] + r.limits.sipTcp.refused.total > 0,
    'the SIP TCP cap was reached',
  );
});
