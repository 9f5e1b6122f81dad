// Security: media URLs need a signed, expiring token (gateway/api/media-token.ts). On a running
// gateway with a live stream: the URLs that `live` returns work, and every file they lead to
// (playlists, init segment, media segments) needs the token too; no token, a tampered token,
// another stream's token, an expired token, or one signed with another key get 401.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MediaTokenSigner } from '../../gateway/api/media-token.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000001';
const CHANNEL = '34020000001310000001';
let h: Harness;
let live: { streamId: string; hls: string; whep: string };
let mediaUrl: URL;
let segmentUrl: URL;

before(async () => {
  h = await startHarness({ simulator: { channels: 2 } });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(DEVICE, 2);
  const res = await h.api<typeof live>(`/api/devices/${DEVICE}/channels/${CHANNEL}/live`, { method: 'POST' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  live = res.body;
  // Follow the signed URL down to a media playlist and a segment.
  const found = await waitFor(
    async () => {
      const master = await fetch(h.base + live.hls);
      if (master.status !== 200) {
        return undefined;
      }
      const uri = (await master.text()).split('\n').find((l) => l && !l.startsWith('#'));
      const url = uri ? new URL(uri, h.base + live.hls) : undefined;
      const playlist = url ? await (await fetch(url)).text() : '';
      const seg = playlist.split('\n').find((l) => /^\d+\.m4s/.test(l));
      return url && seg ? { url, seg: new URL(seg, url) } : undefined;
    },
    20_000,
    'an HLS segment',
  );
  mediaUrl = found.url;
  segmentUrl = found.seg;
});
after(async () => {
  await h?.close();
});

const withToken = (url: URL | string, token: string | null): string => {
  const u = new URL(url, h.base);
  if (token === null) {
    u.searchParams.delete('token');
  } else {
    u.searchParams.set('token', token);
  }
  return u.toString();
};

test('the signed URLs from live work, and every URI in the playlists carries the token', async () => {
  const token = new URL(live.hls, h.base).searchParams.get('token');
  assert.ok(token);
  assert.equal((await fetch(h.base + live.hls)).status, 200);
  const playlist = await (await fetch(mediaUrl)).text();
  for (const line of playlist.split('\n')) {
    const uri = line.startsWith('#EXT-X-MAP')
      ? /URI="([^"]+)"/.exec(line)?.[1]
      : line && !line.startsWith('#')
        ? line
        : undefined;
    if (uri) {
      assert.equal(new URL(uri, mediaUrl).searchParams.get('token'), token, `${uri} lacks the token`);
    }
  }
  assert.equal((await fetch(segmentUrl)).status, 200);
});

test("no token, a tampered one, or another stream's: 401 on every HLS file and on WHEP", async () => {
  const token = new URL(live.hls, h.base).searchParams.get('token')!;
  const [issued, expiry, mac] = token.split('.') as [string, string, string];
  const otherStream = new MediaTokenSigner(Buffer.from(h.gw.secrets.signingKey)).sign(
    `${DEVICE}_34020000001310000002`,
    3600,
  );
  const bad: [string, string | null][] = [
    ['no token', null],
    ['empty token', ''],
    ['MAC changed', `${issued}.${expiry}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`],
    ['expiry pushed later (MAC kept)', `${issued}.${Number(expiry) + 3600}.${mac}`],
    ['issue time pushed later (MAC kept)', `${Number(issued) + 1}.${expiry}.${mac}`],
    ['no MAC', `${issued}.${expiry}.`],
    ["another stream's token", otherStream],
    ['a 5,000-character token', 'x'.repeat(5000)],
  ];
  for (const [what, t] of bad) {
    for (const url of [h.base + live.hls, mediaUrl.toString(), segmentUrl.toString()]) {
      const res = await fetch(withToken(url, t));
      assert.equal(res.status, 401, `${what}: ${new URL(url).pathname} answered ${res.status}`);
    }
    const whep = await fetch(withToken(h.base + live.whep, t), {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: 'v=0\r\n',
    });
    assert.equal(whep.status, 401, `${what}: WHEP answered ${whep.status}`);
  }
});

test('an expired token, or one signed with another key, is refused', async () => {
  const key = Buffer.from(h.gw.secrets.signingKey);
  const past = new MediaTokenSigner(key, () => Date.now() - 7200_000).sign(live.streamId, 3600); // expired an hour ago
  const foreign = new MediaTokenSigner(Buffer.alloc(32, 9)).sign(live.streamId, 3600);
  const fresh = new MediaTokenSigner(key).sign(live.streamId, 60);
  assert.equal((await fetch(withToken(h.base + live.hls, past))).status, 401, 'expired token accepted');
  assert.equal(
    (await fetch(withToken(h.base + live.hls, foreign))).status,
    401,
    'token signed with another key accepted',
  );
  assert.equal(
    (await fetch(withToken(h.base + live.hls, fresh))).status,
    200,
    'control: a fresh token signed with the key works',
  );
});
