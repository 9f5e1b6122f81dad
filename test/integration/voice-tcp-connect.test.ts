// A device that asks for TCP broadcast audio and says it will connect (setup:active), then never
// does: the target fails with 'media' and the reason, instead of the talk (or a clip request)
// waiting forever (docs/voice.md §7). The device is scripted message by message (SipPeer).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { deviceBroadcastOffer } from '../../gateway/gb28181/sdp/broadcast.js';
import { writeGbSdp } from '../../gateway/gb28181/sdp/write.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { catalogPage } from '../helpers/manscdp-bodies.js';
import { REALM, SipPeer } from '../helpers/sip-peer.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000077';
const CHANNEL = '34020000001310000077';
let h: Harness;
let peer: SipPeer;

before(async () => {
  h = await startHarness({ simulator: { devices: 0 } });
  peer = await SipPeer.start({
    deviceId: DEVICE,
    password: h.gw.secrets.password,
    gatewayPort: h.gw.sipPort,
  });
  assert.equal((await peer.register()).final.status, 200);
  const q = await peer.nextQuery('Catalog');
  await peer.message(catalogPage(DEVICE, q.sn, 1, [{ id: CHANNEL, name: 'gate' }]));
  await h.waitForChannels(DEVICE, 1);
});
after(async () => {
  await peer?.close();
  await h?.close();
});

test(
  'a device that never connects its TCP media fails the clip with the reason',
  { timeout: 30_000 },
  async () => {
    const clip = h.api<{ error: { code: string; message: string } }>(
      `/api/devices/${DEVICE}/channels/${CHANNEL}/broadcast`,
      { method: 'POST', headers: { 'Content-Type': 'audio/basic' }, body: new Uint8Array(8000).fill(0xff) },
    );
    const notify = await peer.nextQuery('Broadcast');
    const source = /<SourceID>(\d{20})<\/SourceID>/.exec(Buffer.from(notify.req.body).toString())?.[1];
    assert.ok(source);
    await peer.message(
      `<?xml version="1.0" encoding="GB2312"?>\r\n<Response>\r\n<CmdType>Broadcast</CmdType>\r\n<SN>${notify.sn}</SN>\r\n` +
        `<DeviceID>${CHANNEL}</DeviceID>\r\n<Result>OK</Result>\r\n</Response>\r\n`,
    );
    const offer = deviceBroadcastOffer({
      originId: DEVICE,
      address: '127.0.0.1',
      port: 9,
      forms: ['rtp'],
      law: 'PCMA',
      transport: 'tcp-active', // "I will connect to you"
      ssrc: '0200000077',
    });
    assert.ok(offer.ok);
    const uri = `sip:${source}@${REALM}`;
    const invite = peer.ua.createRequest({
      method: 'INVITE',
      requestUri: uri,
      to: uri,
      body: writeGbSdp(offer.value),
      contentType: 'APPLICATION/SDP',
    });
    const answer = await peer.ua.request(invite, peer.gateway);
    assert.equal(answer.status, 200);
    assert.match(Buffer.from(answer.body).toString(), /a=setup:passive/);
    peer.ua.sendAck(invite, answer, peer.gateway);
    // ...and never connects.
    const t0 = performance.now();
    const res = await clip;
    assert.equal(res.status, 502);
    assert.equal(res.body.error.code, 'GW_ERR_TALK_FAILED');
    assert.match(res.body.error.message, /did not connect to our TCP media port/);
    assert.ok((performance.now() - t0) / 1000 < 12);
    const talks = await waitFor(
      async () => (await h.api<unknown[]>('/api/talks')).body.length === 0,
      5000,
      'no talk left',
    );
    assert.ok(talks);
  },
);
