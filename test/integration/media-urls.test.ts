// Signed media URLs against a real gateway and simulator (docs/api.md §5):
//   - a live URL used after its stream idled out starts it again (a new INVITE) and plays; an
//     expired or foreign URL does not start anything;
//   - WHEP DELETE to exactly the Location the POST returned ends the session at once;
//   - revoking a channel's URLs ends its WHEP sessions and turns its HLS away, other channels
//     and URLs issued afterwards keep working; revoking all turns every old URL away;
//   - with a 10 s token lifetime, a client polling the HLS playlist and parts goes on past the
//     expiry without a single refusal (that it dies once unused for longer than the grace is
//     shown on a mock clock in gateway/api/media-access.test.ts).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MediaTokenSigner } from '../../gateway/api/media-token.js';
import { SqliteMediaRevocationStore } from '../../gateway/store/media-revocations.js';
import { startHarness, type Harness } from '../helpers/gateway-harness.js';
import { waitFor } from '../helpers/wait.js';
import { WeriftViewer } from '../helpers/werift-viewer.js';

const DEVICE = '34020000001180000001';
const CH1 = '34020000001310000001';
const CH2 = '34020000001310000002';
const live = (ch: string) => `/api/devices/${DEVICE}/channels/${ch}/live`;

interface PlayAnswer {
  streamId: string;
  whep: string;
  hls: string;
}

let h: Harness;

before(async () => {
  h = await startHarness({
    gateway: { 'idle-stop': 4, 'media-token-ttl': 10, 'media-token-grace': 10 },
    simulator: { channels: 2 },
  });
  assert.equal(await h.sim.waitForRegistered(1, 10_000), true);
  await h.waitForChannels(DEVICE, 2);
});
after(async () => {
  await h?.close();
});

const active = (id: string): boolean => h.gw.upper.getStream(id) !== undefined;
const playlistStatus = async (url: string): Promise<number> => (await fetch(h.base + url)).status;

async function startLive(ch: string): Promise<PlayAnswer> {
  const res = await h.api<PlayAnswer>(live(ch), { method: 'POST' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** Ends a viewer as a player does on unload: DELETE its session resource, then close the peer. */
async function hangUp(viewer: WeriftViewer): Promise<void> {
  if (viewer.location) {
    await fetch(h.base + viewer.location, { method: 'DELETE' });
  }
  await viewer.close();
}

async function viewerCount(id: string): Promise<number> {
  const res = await h.api<{ viewers: { webrtc: number } }>(`/api/streams/${id}`);
  return res.status === 200 ? res.body.viewers.webrtc : -1;
}

test(
  'a live URL used after its stream idled out INVITEs again and plays; expired and foreign URLs start nothing',
  { timeout: 60_000 },
  async () => {
    const answer = await startLive(CH1);
    // nobody watches: the stream stops after idle-stop (4 s)
    await waitFor(() => !active(answer.streamId), 15_000, 'the idle stream to stop');

    const key = Buffer.from(h.gw.secrets.signingKey);
    const expired = new MediaTokenSigner(key, () => Date.now() - 3600_000).sign(answer.streamId, 60);
    const foreign = new MediaTokenSigner(Buffer.alloc(32, 1)).sign(answer.streamId, 3600);
    for (const [what, token] of [
      ['expired', expired],
      ['foreign', foreign],
    ]) {
      const url = `/hls/${answer.streamId}/index.m3u8?token=${encodeURIComponent(token)}`;
      assert.equal(await playlistStatus(url), 401, what);
      assert.equal(active(answer.streamId), false, `the ${what} URL started the stream`);
    }

    // the URL handed out before the stop: HLS starts it again and answers with a playlist
    const hls = await fetch(h.base + answer.hls);
    assert.equal(hls.status, 200, await hls.clone().text());
    assert.match(await hls.text(), /#EXT-X-STREAM-INF/);
    assert.equal(active(answer.streamId), true);
    const diagnosis = await h.api<{ steps: { step: string }[] }>(`/api/streams/${answer.streamId}/diagnosis`);
    assert.ok(
      diagnosis.body.steps.some((s) => /invite/i.test(s.step)),
      JSON.stringify(diagnosis.body),
    );

    // stopped again, then the WHEP URL: a viewer connects and receives video
    await waitFor(() => !active(answer.streamId), 15_000, 'the stream to stop again');
    const viewer = new WeriftViewer({ url: h.base + answer.whep });
    try {
      assert.equal(await viewer.connect(), 201, JSON.stringify(viewer.errorBody));
      await viewer.connected();
      await waitFor(() => viewer.counts.videoFrames > 10, 10_000, 'video over WHEP');
    } finally {
      await hangUp(viewer);
    }
  },
);

test(
  'WHEP DELETE to the Location the POST returned ends the session at once',
  { timeout: 30_000 },
  async () => {
    const answer = await startLive(CH1);
    const viewer = new WeriftViewer({ url: h.base + answer.whep });
    try {
      assert.equal(await viewer.connect(), 201);
      await viewer.connected();
      assert.match(viewer.location ?? '', /\?token=/, 'the Location carries what DELETE needs');
      await waitFor(async () => (await viewerCount(answer.streamId)) === 1, 5000, 'one WebRTC viewer');
      const del = await fetch(h.base + viewer.location!, { method: 'DELETE' });
      assert.equal(del.status, 200);
      assert.equal(await viewerCount(answer.streamId), 0, 'the viewer count dropped with the DELETE');
      assert.equal((await fetch(h.base + viewer.location!, { method: 'DELETE' })).status, 404);
    } finally {
      await viewer.close();
    }
  },
);

test(
  "revoking a channel's URLs ends its WHEP sessions and turns its HLS away; all, then everything",
  { timeout: 40_000 },
  async () => {
    const one = await startLive(CH1);
    const two = await startLive(CH2);
    const viewer = new WeriftViewer({ url: h.base + one.whep });
    try {
      assert.equal(await viewer.connect(), 201);
      await viewer.connected();
      await waitFor(async () => (await viewerCount(one.streamId)) === 1, 5000, 'one WebRTC viewer');
      const revoked = await h.api<{ scope: string; revokedAt: string; sessionsEnded: number }>(
        `/api/devices/${DEVICE}/channels/${CH1}/media-urls/revoke`,
        { method: 'POST' },
      );
      assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
      assert.equal(revoked.body.scope, 'channel');
      assert.equal(revoked.body.sessionsEnded, 1);
      assert.equal(await viewerCount(one.streamId), 0);
      assert.equal(await playlistStatus(one.hls), 401);
      const whep = await fetch(h.base + one.whep, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp' },
        body: 'v=0\r\n',
      });
      assert.equal(whep.status, 401);
      assert.equal(await playlistStatus(two.hls), 200, "the other channel's URL still works");
      const fresh = await startLive(CH1);
      assert.equal(await playlistStatus(fresh.hls), 200, 'a URL issued after the revocation works');

      const all = await h.api<{ scope: string }>('/api/media-urls/revoke', { method: 'POST' });
      assert.equal(all.body.scope, 'all');
      assert.equal(await playlistStatus(two.hls), 401);
      assert.equal(await playlistStatus(fresh.hls), 401);
      // kept in the gateway's database: a restart would not bring them back
      const store = new SqliteMediaRevocationStore(join(h.dataDir, 'gateway.db'));
      assert.deepEqual(
        store
          .load()
          .map(([scope]) => scope)
          .sort(),
        ['*', `${DEVICE}/${CH1}`],
      );
      store.close();
    } finally {
      await viewer.close();
    }
  },
);

test(
  'a 10 s URL in continuous use by a blocking-reload client outlives its expiry without one refusal',
  { timeout: 60_000 },
  async () => {
    const answer = await startLive(CH2);
    const token = new URL(answer.hls, h.base).searchParams.get('token')!;
    const expiry = Number(token.split('.')[1]) * 1000;
    const media = new URL(answer.hls.replace('index.m3u8', 'media.m3u8'), h.base);
    const statuses: number[] = [];
    let query = '';
    // An LL-HLS client: each reload asks for the preload-hinted part (RFC 8216bis §6.2.5.2), so
    // the gateway paces it; then fetches that part. Until well past the token's expiry.
    while (Date.now() < expiry + 8000) {
      const res = await fetch(`${media.href}${query}`);
      statuses.push(res.status);
      const text = res.status === 200 ? await res.text() : '';
      const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="((\d+)\.(\d+)\.m4s[^"]*)"/.exec(text);
      assert.ok(hint, `no preload hint: ${res.status} ${text}`);
      statuses.push((await fetch(new URL(hint[1], media))).status);
      query = `&_HLS_msn=${hint[2]}&_HLS_part=${hint[3]}`;
    }
    assert.ok(statuses.length > 40, `${statuses.length} requests`);
    assert.deepEqual([...new Set(statuses)], [200], 'a request was refused while the URL was in use');
  },
);
