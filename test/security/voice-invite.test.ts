// Security of voice broadcast (docs/voice.md §2, §3): a device's audio INVITE is taken only from
// the registered address of a device the gateway is waiting for, so a stranger who learns the
// talk's SourceID cannot have the gateway's audio sent to it; and a talk's WHIP token opens that
// talk only (not a stream, not another talk), as a stream's token does not open a talk.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { writeGbSdp } from '../../gateway/gb28181/sdp/write.js';
import { deviceBroadcastOffer } from '../../gateway/gb28181/sdp/broadcast.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { REALM, SipPeer } from '../helpers/sip-peer.js';
import { waitFor } from '../helpers/wait.js';

let h: Harness;
let deviceId: string;
let channelId: string;

before(async () => {
  // The device answers the Broadcast and never INVITEs: the gateway waits 8 s for an INVITE.
  h = await startHarness({ simulator: { channels: 2, broadcast: { invites: false } } });
  deviceId = h.sim.devices[0].deviceId;
  channelId = h.sim.devices[0].backend.channelIds[0];
  await h.waitForChannels(deviceId, 2);
});
after(() => h.close());

interface TalkAnswer {
  talkId: string;
  whip: string;
  sourceId: string;
}

test('an INVITE for a waiting broadcast from another address is refused 403 and changes nothing', async () => {
  const talk = await h.api<TalkAnswer>(`/api/devices/${deviceId}/channels/${channelId}/talk`, {
    method: 'POST',
    body: '{}',
  });
  assert.equal(talk.status, 200);
  // 127.0.0.2: same device ID in From, the talk's SourceID in the Request-URI, but not where the
  // device registered (127.0.0.1).
  const stranger = await SipPeer.start({
    deviceId,
    password: h.gw.secrets.password,
    gatewayPort: h.gw.sipPort,
    host: '127.0.0.2',
  });
  try {
    const offer = deviceBroadcastOffer({
      originId: deviceId,
      address: '127.0.0.2',
      port: 40000,
      forms: ['rtp'],
      law: 'PCMA',
      transport: 'udp',
      ssrc: '0200000666',
    });
    assert.ok(offer.ok);
    const uri = `sip:${talk.body.sourceId}@${REALM}`;
    const invite = stranger.ua.createRequest({
      method: 'INVITE',
      requestUri: uri,
      to: uri,
      body: writeGbSdp(offer.value),
      contentType: 'APPLICATION/SDP',
    });
    const res = await stranger.ua.request(invite, stranger.gateway, { timeoutMs: 5000 });
    assert.equal(res.status, 403);
    const view = await h.api<{ targets: { state: string; form: string | null }[] }>(
      `/api/talks/${talk.body.talkId}`,
    );
    assert.deepEqual([view.body.targets[0].state, view.body.targets[0].form], ['waiting-invite', null]);
  } finally {
    await stranger.close();
  }
  await h.api(`/api/talks/${talk.body.talkId}`, { method: 'DELETE' });
});

test("a talk's WHIP token opens that talk only; a stream's token opens no talk", async () => {
  const a = await h.api<TalkAnswer>(`/api/devices/${deviceId}/channels/${channelId}/talk`, {
    method: 'POST',
    body: '{}',
  });
  const b = await h.api<TalkAnswer>(
    `/api/devices/${deviceId}/channels/${h.sim.devices[0].backend.channelIds[1]}/talk`,
    {
      method: 'POST',
      body: '{}',
    },
  );
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  const tokenOf = (url: string) => new URL(url, h.base).searchParams.get('token')!;
  const post = (talkId: string, token: string) =>
    fetch(`${h.base}/whip/${talkId}?token=${encodeURIComponent(token)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: 'v=0\r\n',
    });
  // Its own token passes the guard (and reaches the offer check: 400 for this junk offer).
  assert.equal((await post(a.body.talkId, tokenOf(a.body.whip))).status, 400);
  assert.equal((await post(b.body.talkId, tokenOf(a.body.whip))).status, 401, "talk A's token on talk B");
  const live = await h.api<{ streamId: string; whep: string }>(
    `/api/devices/${deviceId}/channels/${channelId}/live`,
    {
      method: 'POST',
    },
  );
  assert.equal(live.status, 200);
  assert.equal(
    (await post(a.body.talkId, tokenOf(live.body.whep))).status,
    401,
    "a stream's token on a talk",
  );
  const whep = await fetch(
    `${h.base}/whep/${live.body.streamId}?token=${encodeURIComponent(tokenOf(a.body.whip))}`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: 'v=0\r\n',
    },
  );
  assert.equal(whep.status, 401, "a talk's token on a stream");
  await waitFor(
    async () => (await h.api(`/api/talks/${a.body.talkId}`, { method: 'DELETE' })).status === 200,
    2000,
    'stop',
  );
  await h.api(`/api/talks/${b.body.talkId}`, { method: 'DELETE' });
});
