import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import { CLOCK_HZ } from '../../../../codecs/types.js';
import { Stream } from '../../../hub/stream.js';
import { makeClip, type TestClip } from '../../../../test/helpers/media-clip.js';
import { pace } from '../../../../test/helpers/clip-pacer.js';
import { WeriftViewer } from '../../../../test/helpers/werift-viewer.js';
import { waitFor } from '../../../../test/helpers/wait.js';
import { whepRouter, type WhepRouter, type WhepTranscoder } from '../whep-router.js';
import { ViewerWorkers } from './viewer-workers.js';

let server: ReturnType<express.Express['listen']>;
let base = '';
let router: WhepRouter;
let workers: ViewerWorkers;
let clip: TestClip;
const streams = new Map<string, Stream>();
let keyframeRequests = 0;

function makeStream(id: string, stallTimeoutMs = 0): Stream {
  const s = new Stream({
    id,
    source: { start: async () => {}, stop: () => {}, requestKeyframe: () => void keyframeRequests++ },
    idleStopMs: Infinity,
    noMediaTimeoutMs: 0,
    stallTimeoutMs,
  });
  streams.set(id, s);
  return s;
}

before(async () => {
  clip = makeClip({ width: 640, height: 360, seconds: 4, audio: 'PCMA' });
  const net = { publicIp: '127.0.0.1', portRange: { min: 41200, max: 41299 } };
  workers = new ViewerWorkers({ count: 2, net, resolveStream: (id) => streams.get(id), crashable: true });
  router = whepRouter({
    resolveStream: (id) => streams.get(id),
    publicIp: '127.0.0.1',
    webrtc: { portRange: net.portRange, mediaWaitMs: 2000, viewerTimeoutMs: 3000 },
    workers,
  });
  const app = express();
  app.use(router);
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  router.sessions.closeAll();
  for (const s of streams.values()) {
    s.close('test-end');
  }
  await workers.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function watch(streamId: string): Promise<WeriftViewer> {
  const viewer = new WeriftViewer({ url: `${base}/whep/${streamId}` });
  assert.equal(await viewer.connect(), 201);
  await viewer.connected();
  return viewer;
}

test("one stream's viewers spread over the workers, and each worker takes the stream once", async () => {
  const stream = makeStream('cam-spread');
  const stop = pace(clip, stream);
  const viewers: WeriftViewer[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      viewers.push(await watch('cam-spread'));
    }
    assert.deepEqual(workers.load, [2, 2]);
    for (const v of viewers) {
      await waitFor(
        () => v.counts.videoFrames >= 10 && v.packets(8) >= 10,
        5000,
        'video and PCMA at every viewer',
      );
    }
    // One feed per worker: two hub viewers for four WebRTC viewers.
    assert.equal(stream.info.viewers, 2);
    assert.equal(router.sessions.countFor('cam-spread'), 4);
    await waitFor(
      () =>
        (router.sessions.list()[0] &&
          router.sessions.get(router.sessions.list()[0].id)?.stats?.videoPackets) !== undefined,
      5000,
      'stats from the worker',
    );

    const before = keyframeRequests;
    await viewers[0].sendPli();
    await waitFor(() => keyframeRequests > before, 3000, "a viewer's PLI reaches the camera");

    const del = await fetch(base + viewers[0].location!, { method: 'DELETE' });
    assert.equal(del.status, 200);
    assert.equal(router.sessions.countFor('cam-spread'), 3);
    for (const v of viewers.splice(0)) {
      await fetch(base + v.location!, { method: 'DELETE' });
      await v.close();
    }
    // The workers give their feeds back once no session watches the stream.
    await waitFor(() => stream.info.viewers === 0, 3000, 'the feeds released');
  } finally {
    stop();
    await Promise.all(viewers.map((v) => v.close()));
  }
});

test('when the stream ends, viewers in the workers are closed and told why', async () => {
  const stream = makeStream('cam-ends');
  const stop = pace(clip, stream);
  const viewer = await watch('cam-ends');
  try {
    await waitFor(() => viewer.counts.videoFrames >= 5, 5000, 'video');
    stop();
    stream.close('bye-from-device');
    await waitFor(() => router.sessions.countFor('cam-ends') === 0, 3000, 'the session ended');
    await waitFor(() => viewer.counts.byes.some((b) => /stream-closed/.test(b)), 3000, 'an RTCP BYE');
  } finally {
    stop();
    await viewer.close();
  }
});

test("a silent camera (the main stream's stall) closes the workers' viewers with the reason", async () => {
  const stream = makeStream('cam-stall', 400);
  const stop = pace(clip, stream);
  const viewer = await watch('cam-stall');
  try {
    await waitFor(() => viewer.counts.videoFrames >= 5, 5000, 'video');
    stop();
    await waitFor(
      () => viewer.counts.byes.some((b) => /stream-lost: no media from the camera/.test(b)),
      3000,
      'BYE',
    );
    assert.equal(router.sessions.countFor('cam-stall'), 0);
  } finally {
    stop();
    await viewer.close();
  }
});

test('a worker that crashes is restarted; its viewers are dropped and a new offer plays within 5 s', async () => {
  const stream = makeStream('cam-crash');
  const stop = pace(clip, stream);
  const viewers: WeriftViewer[] = [];
  try {
    viewers.push(await watch('cam-crash'), await watch('cam-crash'));
    const threadsBefore = workers.threadIds;
    const restartsBefore = workers.restarts;
    const crashedAt = performance.now();
    workers.crash(0);
    await waitFor(
      () => workers.restarts === restartsBefore + 1 && workers.count === 2,
      5000,
      'the worker restarted',
    );
    assert.notDeepEqual(workers.threadIds, threadsBefore);
    // The crashed worker's session is gone and its slot free; the other worker's viewer plays on.
    assert.equal(router.sessions.countFor('cam-crash'), 1);
    const again = await watch('cam-crash');
    viewers.push(again);
    await waitFor(() => again.counts.videoFrames >= 1, 5000, 'video after the restart');
    const resumedMs = performance.now() - crashedAt;
    assert.ok(resumedMs < 5000, `a new viewer played ${resumedMs.toFixed(0)} ms after the crash`);
    assert.equal(stream.info.viewers, 2, 'one feed per worker again, none left over from the dead worker');
  } finally {
    stop();
    await Promise.all(viewers.map((v) => v.close()));
  }
});

/** A one-worker pool behind its own WHEP router and HTTP server, for tests that stop or reconfigure it. */
async function ownPool(ports: { min: number; max: number }, transcoder?: WhepTranscoder) {
  const pool = new ViewerWorkers({
    count: 1,
    net: { publicIp: '127.0.0.1', portRange: ports },
    resolveStream: (id) => streams.get(id),
    ...(transcoder ? { transcoder } : {}),
  });
  const own = whepRouter({
    resolveStream: (id) => streams.get(id),
    publicIp: '127.0.0.1',
    ...(transcoder ? { transcoder } : {}),
    workers: pool,
  });
  const app = express();
  app.use(own);
  const server2 = app.listen(0, '127.0.0.1');
  await new Promise((r) => server2.once('listening', r));
  return {
    pool,
    router: own,
    url: (streamId: string) => `http://127.0.0.1:${(server2.address() as AddressInfo).port}/whep/${streamId}`,
    stop: async () => {
      await pool.close();
      server2.closeAllConnections();
      await new Promise((r) => server2.close(r));
    },
  };
}

test("shutdown: the workers' connected viewers get an RTCP BYE before the threads stop", async () => {
  const { pool, router: own, url, stop: stopPool } = await ownPool({ min: 41300, max: 41329 });
  const stream = makeStream('cam-shutdown');
  const stop = pace(clip, stream);
  const viewer = new WeriftViewer({ url: url('cam-shutdown') });
  try {
    assert.equal(await viewer.connect(), 201);
    await viewer.connected();
    await waitFor(() => viewer.counts.videoFrames >= 3, 5000, 'video');
    await pool.close();
    assert.equal(pool.count, 0);
    assert.equal(own.sessions.size, 0);
    await waitFor(() => viewer.counts.byes.some((b) => /shutdown/.test(b)), 2000, 'the BYE');
  } finally {
    stop();
    await viewer.close();
    await stopPool();
  }
});

test("a worker's viewer follows its camera to the transcoder's H.264 view and back", async () => {
  const views: Stream[] = [];
  const transcoder = {
    h264View: (s: { id: string }) => {
      const view = new Stream({
        id: `${s.id}~h264`,
        source: { start: async () => {}, stop: () => {} },
        idleStopMs: Infinity,
        noMediaTimeoutMs: 0,
      });
      views.push(view);
      return view;
    },
  };
  const { router: own, url, stop: stopPool } = await ownPool({ min: 41340, max: 41369 }, transcoder);
  const camera = makeStream('cam-flip');
  let stopCamera = pace(clip, camera);
  let stopView = (): void => {};
  const viewer = new WeriftViewer({ url: url('cam-flip') });
  try {
    assert.equal(await viewer.connect(), 201);
    await viewer.connected();
    await waitFor(() => viewer.counts.videoFrames > 5, 3000, 'direct H.264');

    stopCamera();
    camera.publish({
      codec: 'H265',
      pts: 30 * CLOCK_HZ,
      dts: 30 * CLOCK_HZ,
      keyframe: true,
      units: [Uint8Array.from([0x26, 0x01, 0xaf, 0x00])],
    });
    await waitFor(
      () => views.length === 1 && views[0].info.viewers === 1,
      3000,
      "the worker's feed of the H.264 view",
    );
    stopView = pace(clip, views[0]);
    const atSwitch = viewer.counts.videoFrames;
    // Past the worker's 2 s sweep of unused feeds: the camera's must stay (its codec change brings the viewer back).
    await waitFor(() => viewer.counts.videoFrames > atSwitch + 65, 5000, 'transcoded video');

    stopView();
    stopCamera = pace(clip, camera); // back to H.264, starting with its keyframe
    const back = viewer.counts.videoFrames;
    await waitFor(() => viewer.counts.videoFrames > back + 10, 3000, 'direct H.264 again');
    await waitFor(() => views[0].info.viewers === 0, 3000, 'the view given back');
    assert.equal(own.sessions.list()[0]?.state, 'connected');
    assert.deepEqual(viewer.counts.byes, []);
  } finally {
    stopCamera();
    stopView();
    await viewer.close();
    await stopPool();
  }
});
