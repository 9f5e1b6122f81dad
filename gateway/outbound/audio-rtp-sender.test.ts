import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer, connect, type AddressInfo } from 'node:net';
import { fromHex, toHex } from '../../codecs/bytes/hex.js';
import { parseRtp } from '../../codecs/rtp/packet.js';
import { PsDemuxer } from '../../codecs/ps/demuxer.js';
import { Rfc4571Framer } from '../../codecs/rtp/tcp-framing.js';
import { waitFor } from '../../test/helpers/wait.js';
import { AudioRtpSender, FRAME_SAMPLES } from './audio-rtp-sender.js';
import type { PacerClock } from './frame-pacer.js';

const frame = (fill: number) => new Uint8Array(FRAME_SAMPLES).fill(fill);

async function udpReceiver() {
  const socket = createSocket('udp4');
  const packets: Uint8Array[] = [];
  socket.on('message', (m) => packets.push(new Uint8Array(m)));
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { port: socket.address().port, packets, close: () => socket.close() };
}

/** A clock the test moves by hand: timers run when `to()` passes their due time. */
function manualClock() {
  let now = 0;
  let timers: { due: number; fn: () => void }[] = [];
  const clock: PacerClock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const t = { due: now + ms, fn };
      timers.push(t);
      return t;
    },
    clearTimeout: (h) => (timers = timers.filter((t) => t !== h)),
  };
  const to = (ms: number) => {
    for (;;) {
      const next = timers.filter((t) => t.due <= ms).sort((a, b) => a.due - b.due)[0];
      if (!next) {
        break;
      }
      timers = timers.filter((t) => t !== next);
      now = next.due;
      next.fn();
    }
    now = ms;
  };
  return { clock, to };
}

test('raw PCMA over UDP: PT 8, the device SSRC, 160 samples, +160 per packet, marker on the first', async () => {
  const rx = await udpReceiver();
  const { clock, to } = manualClock();
  const sender = new AudioRtpSender({
    ssrc: 200000005, // y=0200000005 from the device's INVITE
    law: 'PCMA',
    form: 'rtp',
    payloadType: 8,
    socket: { transport: 'udp', remoteHost: '127.0.0.1', remotePort: rx.port, bindHost: '127.0.0.1' },
    clock,
    initialSequence: 0x1234,
  });
  await sender.open();
  sender.push(frame(0xd5));
  sender.push(frame(0x55));
  to(20);
  await waitFor(() => rx.packets.length === 2, 2000, 'two packets');
  const [a, b] = rx.packets;
  const header = fromHex(`
    80     // V=2, no padding, extension or CSRC
    88     // M=1 (a talkspurt starts), PT=8 PCMA
    12 34  // sequence 0x1234
  `);
  assert.equal(toHex(a.subarray(0, 4)), toHex(header));
  assert.equal(toHex(a.subarray(8, 12)), '0b eb c2 05', 'SSRC 200000005 (y=0200000005)');
  const pa = parseRtp(a)!;
  const pb = parseRtp(b)!;
  assert.equal(pa.payload.length, 160);
  assert.ok(pa.payload.every((v) => v === 0xd5));
  assert.equal(pb.marker, false);
  assert.equal(pb.sequence, 0x1235);
  assert.equal((pb.timestamp - pa.timestamp) >>> 0, 160);
  assert.equal(sender.stats.packets, 2);
  sender.close();
  rx.close();
});

test('after a pause the timestamp jumps by the silence and the marker starts a new talkspurt', async () => {
  const rx = await udpReceiver();
  const { clock, to } = manualClock();
  const sender = new AudioRtpSender({
    ssrc: 1,
    law: 'PCMU',
    form: 'rtp',
    payloadType: 0,
    socket: { transport: 'udp', remoteHost: '127.0.0.1', remotePort: rx.port, bindHost: '127.0.0.1' },
    clock,
  });
  await sender.open();
  sender.push(frame(0xff));
  to(1000);
  sender.push(frame(0xff));
  await waitFor(() => rx.packets.length === 2, 2000, 'two packets');
  const [a, b] = rx.packets.map((p) => parseRtp(p)!);
  assert.equal(a.payloadType, 0);
  assert.equal((b.timestamp - a.timestamp) >>> 0, 8000, 'one second of 8 kHz samples later');
  assert.equal(b.marker, true);
  assert.equal(b.sequence, (a.sequence + 1) & 0xffff, 'no packets were lost, so no sequence gap');
  sender.close();
  rx.close();
});

test('G.711 in PS over UDP: PT 96, 90 kHz timestamps, a pack the PS demuxer reads back as PCMU', async () => {
  const rx = await udpReceiver();
  const sender = new AudioRtpSender({
    ssrc: 0x0bebc201,
    law: 'PCMU',
    form: 'ps',
    payloadType: 96,
    socket: { transport: 'udp', remoteHost: '127.0.0.1', remotePort: rx.port, bindHost: '127.0.0.1' },
  });
  await sender.open();
  for (let i = 0; i < 3; i++) {
    sender.push(frame(0x10 + i));
  }
  await waitFor(() => rx.packets.length === 3, 2000, 'three packets');
  const demuxer = new PsDemuxer();
  const packets = rx.packets.map((p) => parseRtp(p)!);
  assert.deepEqual(
    packets.map((p) => [p.payloadType, p.marker, toHex(p.payload.subarray(0, 4))]),
    [
      [96, true, '00 00 01 ba'],
      [96, true, '00 00 01 ba'],
      [96, true, '00 00 01 ba'],
    ],
  );
  assert.equal((packets[1].timestamp - packets[0].timestamp) >>> 0, 1800, '20 ms at 90 kHz');
  const units = packets.flatMap((p) => demuxer.push(p)).concat(demuxer.flush());
  assert.deepEqual(
    units.map((u) => [u.codec, u.units[0].length, u.units[0][0]]),
    [
      ['PCMU', 160, 0x10],
      ['PCMU', 160, 0x11],
      ['PCMU', 160, 0x12],
    ],
  );
  assert.equal(units[1].pts - units[0].pts, 1800);
  sender.close();
  rx.close();
});

test('TCP passive: frames before the device connects are dropped, then RFC 4571 frames flow', async () => {
  const sender = new AudioRtpSender({
    ssrc: 7,
    law: 'PCMA',
    form: 'rtp',
    payloadType: 8,
    socket: { transport: 'tcp-passive', bindHost: '127.0.0.1' },
  });
  await sender.open();
  sender.push(frame(1));
  await waitFor(() => sender.stats.dropped === 1, 2000, 'the unsendable frame counted');
  const framer = new Rfc4571Framer();
  const got: Uint8Array[] = [];
  const client = connect({ host: '127.0.0.1', port: sender.socket.localPort });
  client.on('data', (chunk) => got.push(...framer.push(chunk)));
  await sender.socket.whenConnected();
  sender.push(frame(2));
  sender.push(frame(3));
  await waitFor(() => got.length === 2, 2000, 'two framed packets');
  assert.deepEqual(
    got.map((p) => parseRtp(p)!.payload[0]),
    [2, 3],
  );
  assert.equal(parseRtp(got[0])!.ssrc, 7);
  client.destroy();
  sender.close();
});

test('TCP active: the sender dials the device and frames RTP on the connection', async () => {
  const framer = new Rfc4571Framer();
  const got: Uint8Array[] = [];
  const server = createServer((s) => s.on('data', (chunk) => got.push(...framer.push(chunk))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sender = new AudioRtpSender({
    ssrc: 9,
    law: 'PCMU',
    form: 'rtp',
    payloadType: 0,
    socket: {
      transport: 'tcp-active',
      remoteHost: '127.0.0.1',
      remotePort: (server.address() as AddressInfo).port,
      bindHost: '127.0.0.1',
    },
  });
  await sender.open();
  sender.push(frame(5));
  await waitFor(() => got.length === 1, 2000, 'one framed packet');
  assert.equal(parseRtp(got[0])!.payloadType, 0);
  sender.close();
  server.close();
});

test('a socket without a peer address is refused at construction', () => {
  assert.throws(
    () =>
      new AudioRtpSender({ ssrc: 1, law: 'PCMA', form: 'rtp', payloadType: 8, socket: { transport: 'udp' } }),
    /needs remoteHost/,
  );
});
