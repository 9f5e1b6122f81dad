import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { once } from 'node:events';
import type { AccessUnit } from '../../codecs/types.js';
import { PsMuxer } from '../../codecs/ps/muxer.js';
import { parseRtp, type RtpPacket } from '../../codecs/rtp/packet.js';
import { Rfc4571Framer } from '../../codecs/rtp/tcp-framing.js';
import { waitFor } from '../../test/helpers/wait.js';
import { PsRtpSender } from './ps-rtp-sender.js';

const SPS = Uint8Array.from([
  0x67, 0x4d, 0x40, 0x1f, 0xda, 0x01, 0x40, 0x16, 0xec, 0x04, 0x40, 0x00, 0x00, 0x03, 0x00, 0x40, 0x00, 0x00,
  0x0c, 0x83, 0xc6, 0x0c, 0xa8,
]);
const PPS = Uint8Array.from([0x68, 0xee, 0x3c, 0x80]);

/** A keyframe whose PS pack needs several 1400-byte RTP payloads. */
function keyframe(dts: number, sliceBytes = 5000): AccessUnit {
  const slice = new Uint8Array(sliceBytes);
  slice[0] = 0x65;
  for (let i = 1; i < slice.length; i++) {
    slice[i] = (i * 7) & 0xff || 1;
  }
  return { codec: 'H264', dts, pts: dts, keyframe: true, units: [SPS, PPS, slice] };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function assertOneFrame(packets: RtpPacket[], au: AccessUnit, expectedTimestamp: number): void {
  assert.ok(packets.length >= 4, `${packets.length} packets`);
  for (const [i, p] of packets.entries()) {
    assert.equal(p.payloadType, 96);
    assert.equal(p.ssrc, 200000001);
    assert.equal(p.timestamp, expectedTimestamp, 'one timestamp per frame');
    assert.equal(p.marker, i === packets.length - 1, 'marker on the last packet only');
    assert.ok(p.payload.length <= 1400);
    if (i > 0) {
      assert.equal(p.sequence, (packets[i - 1].sequence + 1) & 0xffff, 'continuous sequence');
    }
  }
  const ps = new PsMuxer({ video: 'H264', audio: undefined }).mux(au);
  assert.deepEqual(concat(packets.map((p) => p.payload)), ps, 'payloads are the PS pack, split');
}

test('UDP: one PS pack per AU, split at maxPayload, shared timestamp, marker last, sequence wraps', async () => {
  const rx = createSocket('udp4');
  await new Promise<void>((resolve) => rx.bind(0, '127.0.0.1', resolve));
  const packets: RtpPacket[] = [];
  rx.on('message', (msg) => packets.push(parseRtp(new Uint8Array(msg))!));
  const tx = new PsRtpSender({
    transport: 'udp',
    ssrc: 200000001,
    bindHost: '127.0.0.1',
    remoteHost: '127.0.0.1',
    remotePort: rx.address().port,
    initialSequence: 65534,
  });
  await tx.open();
  const au = keyframe(2 ** 32 + 3600); // the 32-bit RTP timestamp wraps with the DTS
  tx.sendAccessUnit(au);
  await waitFor(() => packets.length >= tx.stats.packets, 2_000, 'every packet sent');
  tx.close();
  rx.close();
  assertOneFrame(packets, au, 3600);
  assert.equal(packets[0].sequence, 65534);
  assert.equal(packets[2].sequence, 0);
  assert.equal(tx.stats.packets, packets.length);
  assert.equal(
    tx.stats.bytes,
    packets.reduce((n, p) => n + 12 + p.payload.length, 0),
  );
});

test('TCP passive sender: RFC 4571 framed packets to the peer that dials in', async () => {
  const tx = new PsRtpSender({
    transport: 'tcp-passive',
    ssrc: 200000001,
    bindHost: '127.0.0.1',
    initialSequence: 10,
  });
  await tx.open();
  tx.sendAccessUnit(keyframe(0)); // nobody connected yet: dropped, not queued
  assert.equal(tx.stats.droppedAccessUnits, 1);
  const socket = connect(tx.localPort, '127.0.0.1');
  await once(socket, 'connect');
  await tx.whenConnected();
  const framer = new Rfc4571Framer();
  const packets: RtpPacket[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const frame of framer.push(chunk)) {
      packets.push(parseRtp(frame)!);
    }
  });
  const au = keyframe(90_000);
  tx.sendAccessUnit(au);
  await waitFor(() => packets.length >= tx.stats.packets, 2_000, 'every packet sent');
  tx.close();
  socket.destroy();
  assertOneFrame(packets, au, 90_000);
  assert.equal(packets[0].sequence, 10);
});

test('a TCP active sender gives up after its retries when nobody listens', async () => {
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const port = probe.address().port;
  probe.close();
  const tx = new PsRtpSender({
    transport: 'tcp-active',
    ssrc: 1,
    remoteHost: '127.0.0.1',
    remotePort: port,
    connectRetries: 2,
    connectRetryDelayMs: 20,
  });
  const started = Date.now();
  await assert.rejects(tx.open(), /ECONNREFUSED/);
  assert.ok(Date.now() - started >= 40, 'waited between attempts');
  tx.close();
});

test('faults.blockUdp: nothing reaches the UDP receiver while the same knob leaves TCP media alone', async () => {
  const rx = createSocket('udp4');
  await new Promise<void>((resolve) => rx.bind(0, '127.0.0.1', resolve));
  let received = 0;
  rx.on('message', () => received++);
  const udp = new PsRtpSender({
    transport: 'udp',
    ssrc: 200000001,
    bindHost: '127.0.0.1',
    remoteHost: '127.0.0.1',
    remotePort: rx.address().port,
    faults: { blockUdp: true },
  });
  await udp.open();
  udp.sendAccessUnit(keyframe(0));
  // A fence datagram sent after the frame: whatever the sender had put on the loopback arrives first.
  const fence = createSocket('udp4');
  fence.send('fence', rx.address().port, '127.0.0.1');
  await waitFor(() => received > 0, 2_000, 'the fence');
  fence.close();
  udp.close();
  rx.close();
  assert.equal(received, 1, 'only the fence arrived');
  assert.ok(udp.faultStats!.blocked >= 4, `${udp.faultStats!.blocked} blocked`);

  const tcp = new PsRtpSender({
    transport: 'tcp-passive',
    ssrc: 200000001,
    bindHost: '127.0.0.1',
    faults: { blockUdp: true },
  });
  await tcp.open();
  const socket = connect(tcp.localPort, '127.0.0.1');
  await once(socket, 'connect');
  await tcp.whenConnected();
  const framer = new Rfc4571Framer();
  const packets: RtpPacket[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const frame of framer.push(chunk)) {
      packets.push(parseRtp(frame)!);
    }
  });
  tcp.sendAccessUnit(keyframe(3600));
  await waitFor(
    () => packets.length >= 4 && packets.length >= tcp.stats.packets,
    2_000,
    'the framed packets',
  );
  tcp.close();
  socket.destroy();
  assert.ok(packets.length >= 4);
  assert.equal(tcp.faultStats!.blocked, 0);
});
