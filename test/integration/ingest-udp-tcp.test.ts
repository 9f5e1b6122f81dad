// Ingest end to end on 127.0.0.1: PsRtpSender → UDP / TCP passive / TCP active → IngestSession,
// carrying whole shared vectors, with seeded network faults, wrong SSRCs and junk.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { setImmediate as yieldLoop, setTimeout as sleep } from 'node:timers/promises';
import type { AccessUnit } from '../../codecs/types.js';
import { Rfc4571Framer } from '../../codecs/rtp/tcp-framing.js';
import { demuxPsClip } from '../../gateway/outbound/ps-clip.js';
import { Stream } from '../../gateway/hub/stream.js';
import { IngestSession, type IngestEvent, type IngestOptions } from '../../gateway/ingest/ingest-session.js';
import { PortPool } from '../../gateway/ingest/port-pool.js';
import { openIngestIntoHub } from '../../gateway/media-plane/ingest-into-hub.js';
import { PsRtpSender, type PsRtpSenderOptions } from '../../gateway/outbound/ps-rtp-sender.js';
import { loadManifest, loadVector } from '../helpers/paths.js';
import { seededRandom } from '../helpers/random.js';

const VECTOR = 'ms_h264_720p_g711a.ps';
const Y = 200000001; // y=0200000001
const expected = loadManifest().files[VECTOR];
const clip = demuxPsClip(loadVector(VECTOR));
const h265Clip = demuxPsClip(loadVector('ms_h265_1080p_g711a.ps'));
const isVideo = (au: AccessUnit) => au.codec === 'H264' || au.codec === 'H265';
const audioCount = clip.filter((au) => !isVideo(au)).length;
// A pool per test file, clear of the ranges other suites use.
const pool = new PortPool({ min: 36000, max: 36999 });

/** Identity of an access unit: codec, timing, key flag and the exact bytes of its units. */
function fingerprint(au: AccessUnit): string {
  let sum = 0;
  let len = 0;
  for (const u of au.units) {
    len += u.length;
    for (let i = 0; i < u.length; i++) {
      sum = (sum * 31 + u[i]) >>> 0;
    }
  }
  return `${au.codec}/${au.pts}/${au.dts}/${au.keyframe}/${au.units.length}/${len}/${sum}`;
}
const reference = new Set(clip.map(fingerprint));

interface Receiver {
  session: IngestSession;
  aus: AccessUnit[];
  events: IngestEvent[];
  closed: Promise<string>;
}

async function openIngest(
  opts: Partial<IngestOptions> & Pick<IngestOptions, 'transport'>,
): Promise<Receiver> {
  const aus: AccessUnit[] = [];
  const events: IngestEvent[] = [];
  let onClose!: (cause: string) => void;
  const closed = new Promise<string>((resolve) => (onClose = resolve));
  const session = await IngestSession.open({
    bindHost: '127.0.0.1',
    portPool: pool,
    expectedSsrc: Y,
    ...opts,
    onAccessUnit: (au) => aus.push(au),
    onEvent: (e) => events.push(e),
    onClose,
  });
  return { session, aus, events, closed };
}

async function openSender(opts: Omit<PsRtpSenderOptions, 'bindHost'>): Promise<PsRtpSender> {
  const sender = new PsRtpSender({ bindHost: '127.0.0.1', ...opts });
  await sender.open();
  return sender;
}

/** Faster than real time, yielding to the event loop after each AU so loopback UDP keeps up. */
async function sendAll(sender: PsRtpSender, aus: readonly AccessUnit[]): Promise<void> {
  for (const au of aus) {
    sender.sendAccessUnit(au);
    await yieldLoop();
  }
}

/** Waits until `count()` stops changing for `quietMs`. */
async function settle(count: () => number, quietMs = 150, maxMs = 10_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = -1;
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const now = count();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs) {
      return;
    }
    await sleep(20);
  }
}

function summary(aus: readonly AccessUnit[]) {
  const video = aus.filter(isVideo);
  return {
    video: video.length,
    keyframes: video.filter((au) => au.keyframe).length,
    audio: aus.length - video.length,
    codecs: [...new Set(aus.map((au) => au.codec))].sort(),
  };
}

const wholeVector = {
  video: expected.videoFrames,
  keyframes: expected.keyframes,
  audio: audioCount,
  codecs: ['H264', 'PCMA'],
};

test('the vector demuxes to the manifest figures (sanity check of the reference)', () => {
  assert.equal(summary(clip).video, 250);
  assert.equal(summary(clip).keyframes, 5);
  assert.equal(audioCount * 160, expected.audioBytes);
});

test('UDP ingest carries the whole vector: every access unit, byte for byte', async () => {
  const rx = await openIngest({ transport: 'udp' });
  const tx = await openSender({
    transport: 'udp',
    ssrc: Y,
    remoteHost: '127.0.0.1',
    remotePort: rx.session.localPort,
  });
  await sendAll(tx, clip);
  await settle(() => rx.session.stats.packets);
  rx.session.close('done');
  tx.close();
  assert.equal(await rx.closed, 'done');
  assert.deepEqual(summary(rx.aus), wholeVector);
  assert.deepEqual(rx.aus.map(fingerprint).sort(), clip.map(fingerprint).sort());
  const stats = rx.session.stats;
  assert.equal(stats.packets, tx.stats.packets);
  assert.equal(stats.lost, 0);
  assert.equal(stats.ssrcMismatches, 0);
  const order = (type: IngestEvent['type']) => rx.events.findIndex((e) => e.type === type);
  assert.equal(order('listening'), 0);
  assert.ok(order('listening') < order('first-rtp') && order('first-rtp') < order('first-pack'));
  assert.ok(!rx.events.some((e) => e.type === 'pes-without-pts'), 'every video PES of the vector has a PTS');
  const firstRtp = rx.events.find((e) => e.type === 'first-rtp');
  assert.ok(firstRtp && firstRtp.type === 'first-rtp' && firstRtp.ssrc === Y && firstRtp.payloadType === 96);
});

test('TCP passive ingest (the device dials us) carries the whole vector', async () => {
  const rx = await openIngest({ transport: 'tcp-passive' });
  const tx = await openSender({
    transport: 'tcp-active',
    ssrc: Y,
    remoteHost: '127.0.0.1',
    remotePort: rx.session.localPort,
  });
  await sendAll(tx, clip);
  await settle(() => rx.aus.length);
  assert.ok(rx.session.remote, 'connection is up');
  rx.session.close('done');
  tx.close();
  assert.deepEqual(summary(rx.aus), wholeVector);
  assert.deepEqual(rx.aus.map(fingerprint).sort(), clip.map(fingerprint).sort());
  assert.ok(rx.events.some((e) => e.type === 'connected'));
});

test('TCP active ingest (we dial the device) carries the whole vector', async () => {
  const tx = await openSender({ transport: 'tcp-passive', ssrc: Y });
  const rx = await openIngest({ transport: 'tcp-active' });
  rx.session.connect('127.0.0.1', tx.localPort);
  await tx.whenConnected();
  await sendAll(tx, clip);
  await settle(() => rx.aus.length);
  rx.session.close('done');
  tx.close();
  assert.deepEqual(summary(rx.aus), wholeVector);
  assert.deepEqual(rx.aus.map(fingerprint).sort(), clip.map(fingerprint).sort());
  const connected = rx.events.find((e) => e.type === 'connected');
  assert.ok(connected && connected.type === 'connected' && connected.port === tx.localPort);
});

test('a foreign RTP capture (sequence and timestamp wrap) replayed over TCP passive in random chunks', async () => {
  const capture = loadVector('rtp_h264_720p_g711a_seqwrap.rtp4571');
  const rx = await openIngest({ transport: 'tcp-passive' });
  const socket = connect(rx.session.localPort, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const rand = seededRandom(31);
  for (let at = 0; at < capture.length;) {
    const n = 1 + Math.floor(rand() * 4000);
    socket.write(capture.subarray(at, at + n));
    at += n;
    if (rand() < 0.1) {
      await yieldLoop();
    }
  }
  await settle(() => rx.aus.length);
  rx.session.close('done');
  socket.destroy();
  assert.deepEqual(summary(rx.aus), wholeVector);
  assert.equal(rx.session.stats.packets, loadManifest().rtp['rtp_h264_720p_g711a_seqwrap.rtp4571'].packets);
});

test('the same capture as UDP datagrams from a source port unrelated to any SDP', async () => {
  const packets = new Rfc4571Framer().push(loadVector('rtp_h264_720p_g711a_seqwrap.rtp4571'));
  const rx = await openIngest({ transport: 'udp' });
  const device = createSocket('udp4');
  for (const [i, p] of packets.entries()) {
    device.send(p, rx.session.localPort, '127.0.0.1');
    if (i % 4 === 3) {
      await yieldLoop();
    }
  }
  await settle(() => rx.session.stats.packets);
  rx.session.close('done');
  device.close();
  assert.deepEqual(summary(rx.aus), wholeVector);
  assert.equal(rx.session.stats.lost, 0);
});

test('UDP with 2 % seeded loss and reordering keeps producing intact access units', async () => {
  const rx = await openIngest({ transport: 'udp' });
  const tx = await openSender({
    transport: 'udp',
    ssrc: Y,
    remoteHost: '127.0.0.1',
    remotePort: rx.session.localPort,
    faults: { loss: 0.02, reorder: 0.02, seed: 20240 },
  });
  await sendAll(tx, clip);
  await settle(() => rx.session.stats.packets);
  rx.session.close('done');
  tx.close();
  const stats = rx.session.stats;
  assert.ok(stats.lost > 0, 'some packets were lost');
  assert.ok(stats.reordered > 0, 'some packets were put back in order');
  const got = summary(rx.aus);
  assert.ok(got.video >= 150 && got.video < 250, `video frames ${got.video}`);
  assert.ok(got.keyframes >= 1, 'a later keyframe arrived intact');
  // Frames hit by a loss are dropped, never emitted damaged.
  for (const au of rx.aus) {
    assert.ok(reference.has(fingerprint(au)), `damaged AU at dts ${au.dts}`);
  }
  const lastKey = rx.aus.filter((au) => isVideo(au) && au.keyframe).at(-1)!;
  assert.ok(lastKey.dts > clip.find((au) => isVideo(au) && au.keyframe)!.dts, 'not only the first keyframe');
});

test('strict SSRC: a second sender with a wrong SSRC is reported once and never mixed in', async () => {
  const rx = await openIngest({ transport: 'udp', ssrcMode: 'strict' });
  const target = { remoteHost: '127.0.0.1', remotePort: rx.session.localPort };
  const good = await openSender({ transport: 'udp', ssrc: Y, ...target });
  const stray = await openSender({ transport: 'udp', ssrc: Y, ...target, faults: { wrongSsrc: 0x11223344 } });
  for (let i = 0; i < clip.length; i++) {
    stray.sendAccessUnit(h265Clip[i % h265Clip.length]);
    good.sendAccessUnit(clip[i]);
    await yieldLoop();
  }
  await settle(() => rx.session.stats.packets);
  rx.session.close('done');
  good.close();
  stray.close();
  assert.deepEqual(summary(rx.aus), wholeVector);
  const mismatches = rx.events.filter((e) => e.type === 'ssrc-mismatch');
  assert.deepEqual(mismatches, [
    { type: 'ssrc-mismatch', expected: Y, got: 0x11223344, address: '127.0.0.1' },
  ]);
  assert.equal(rx.session.stats.ssrcMismatches, stray.stats.packets);
});

test('learn-first SSRC: Dahua-style SSRC 0 is learned; a later stranger is reported and not mixed in', async () => {
  const rx = await openIngest({ transport: 'udp', ssrcMode: 'learn-first' });
  const target = { remoteHost: '127.0.0.1', remotePort: rx.session.localPort };
  const dahua = await openSender({ transport: 'udp', ssrc: 0, ...target });
  const stray = await openSender({ transport: 'udp', ssrc: 0x55667788, ...target });
  dahua.sendAccessUnit(clip[0]);
  await sleep(20);
  for (let i = 1; i < clip.length; i++) {
    dahua.sendAccessUnit(clip[i]);
    stray.sendAccessUnit(h265Clip[i % h265Clip.length]);
    await yieldLoop();
  }
  await settle(() => rx.session.stats.packets);
  rx.session.close('done');
  dahua.close();
  stray.close();
  assert.deepEqual(summary(rx.aus), wholeVector);
  assert.equal(rx.session.stats.ssrc, 0);
  const mismatches = rx.events.filter((e) => e.type === 'ssrc-mismatch');
  assert.deepEqual(mismatches, [
    { type: 'ssrc-mismatch', expected: Y, got: 0x55667788, address: '127.0.0.1' },
  ]);
});

test('junk datagrams at the media port are counted and never crash or corrupt the stream', async () => {
  const rx = await openIngest({ transport: 'udp' });
  const tx = await openSender({
    transport: 'udp',
    ssrc: Y,
    remoteHost: '127.0.0.1',
    remotePort: rx.session.localPort,
  });
  const junk = createSocket('udp4');
  const rand = seededRandom(4711);
  let junkSent = 0;
  for (let i = 0; i < clip.length; i++) {
    for (let j = 0; j < 8; j++) {
      const bytes = new Uint8Array(Math.floor(rand() * 1500));
      for (let k = 0; k < bytes.length; k++) {
        bytes[k] = Math.floor(rand() * 256);
      }
      // Half of them look like RTP v2 (0x80) with payload type 96, so they reach the SSRC guard.
      if (bytes.length >= 12 && j % 2 === 0) {
        [bytes[0], bytes[1]] = [0x80, 0x60];
      }
      junk.send(bytes, rx.session.localPort, '127.0.0.1');
      junkSent++;
    }
    tx.sendAccessUnit(clip[i]);
    await yieldLoop();
  }
  await settle(() => rx.session.stats.packets + rx.session.stats.nonRtp + rx.session.stats.ssrcMismatches);
  rx.session.close('done');
  tx.close();
  junk.close();
  const stats = rx.session.stats;
  assert.ok(stats.nonRtp > 0, 'non-RTP junk counted');
  assert.ok(stats.ssrcMismatches > 0, 'RTP-looking junk rejected by SSRC');
  assert.ok(stats.nonRtp + stats.ssrcMismatches <= junkSent);
  assert.deepEqual(summary(rx.aus), wholeVector);
});

test('junk bytes on a TCP passive media connection never crash; the next connection plays cleanly', async () => {
  const rx = await openIngest({ transport: 'tcp-passive' });
  const socket = connect(rx.session.localPort, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const rand = seededRandom(99);
  for (let i = 0; i < 200; i++) {
    const bytes = new Uint8Array(1 + Math.floor(rand() * 3000));
    for (let k = 0; k < bytes.length; k++) {
      bytes[k] = Math.floor(rand() * 256);
    }
    socket.write(bytes);
  }
  await sleep(100);
  socket.destroy();
  // The next connection is accepted even if the junk one's close is read after it arrives.
  assert.equal(rx.session.closed, false);
  const tx = await openSender({
    transport: 'tcp-active',
    ssrc: Y,
    remoteHost: '127.0.0.1',
    remotePort: rx.session.localPort,
  });
  await sendAll(tx, clip);
  await settle(() => rx.aus.length);
  rx.session.close('done');
  tx.close();
  const clean = rx.aus.filter((au) => reference.has(fingerprint(au)));
  assert.deepEqual(summary(clean), wholeVector);
  assert.equal(
    rx.aus.length - clean.length,
    rx.aus.length - clip.length,
    'nothing but junk-born AUs besides the vector',
  );
});

test('TCP passive refuses a second connection while the first is alive', async () => {
  const rx = await openIngest({ transport: 'tcp-passive' });
  const tx = await openSender({
    transport: 'tcp-active',
    ssrc: Y,
    remoteHost: '127.0.0.1',
    remotePort: rx.session.localPort,
  });
  await sendAll(tx, clip.slice(0, 10));
  const intruder = connect(rx.session.localPort, '127.0.0.1');
  const closed = new Promise((resolve) => intruder.once('close', resolve));
  intruder.on('error', () => {});
  await closed;
  await sendAll(tx, clip.slice(10, 60));
  await settle(() => rx.aus.length);
  rx.session.close('done');
  tx.close();
  assert.ok(rx.events.some((e) => e.type === 'connection-refused'));
  assert.ok(rx.aus.length >= 58);
});

test("a device that never sends: the hub's no-media timer closes the stream, its ingest and frees the port", async () => {
  // As the media plane wires it (ingest-into-hub.ts): the ingest has no timer of its own; the
  // stream's source (the play) closes the ingest when the stream closes.
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  try {
    const play: { ingest?: IngestSession } = {};
    const stream = new Stream({
      id: 'silent',
      source: { start: () => Promise.resolve(), stop: (cause) => play.ingest?.close(cause) },
      idleStopMs: Infinity,
      noMediaTimeoutMs: 15_000,
    });
    let onClose!: (cause: string) => void;
    const closed = new Promise<string>((resolve) => (onClose = resolve));
    const inUse = pool.inUse;
    const ingest = await openIngestIntoHub({
      stream,
      transport: 'udp',
      bindHost: '127.0.0.1',
      portPool: pool,
      expectedSsrc: Y,
      deviceAddresses: [],
      onEvent: () => {},
      onClose,
    });
    play.ingest = ingest;
    const port = ingest.localPort;
    assert.equal(pool.inUse, inUse + 1);
    await stream.start();
    mock.timers.tick(14_999);
    assert.equal(stream.closed, false);
    mock.timers.tick(1);
    assert.equal(stream.info.closeCause, 'no-media');
    assert.equal(await closed, 'no-media');
    assert.equal(ingest.closeCause, 'no-media');
    assert.equal(pool.inUse, inUse);
    // The port can be bound again.
    const again = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.bind(port, '127.0.0.1', resolve);
    });
    again.close();
  } finally {
    mock.timers.reset();
  }
});

test('TCP active gives up with connect-failed after the retries', async () => {
  // A port with nothing listening: bind a server, note the port, close it.
  const rx = await openIngest({ transport: 'tcp-active', connectRetries: 3, connectRetryDelayMs: 30 });
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const deadPort = probe.address().port;
  probe.close();
  rx.session.connect('127.0.0.1', deadPort);
  assert.equal(await rx.closed, 'connect-failed');
  const failures = rx.events.filter((e) => e.type === 'connect-failed');
  assert.equal(failures.length, 4);
  assert.deepEqual(
    failures.map((e) => e.type === 'connect-failed' && e.final),
    [false, false, false, true],
  );
});

test('the session refuses to open when the port range is exhausted', async () => {
  const tiny = new PortPool({ min: 37500, max: 37500 });
  const first = await IngestSession.open({
    transport: 'udp',
    bindHost: '127.0.0.1',
    portPool: tiny,
    onAccessUnit: () => {},
  });
  await assert.rejects(
    IngestSession.open({ transport: 'udp', bindHost: '127.0.0.1', portPool: tiny, onAccessUnit: () => {} }),
    (err: Error & { code?: string }) => err.code === 'GW_ERR_NO_MEDIA_PORT',
  );
  first.close('done');
});
