import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RtpPacket } from 'werift';
import type { PacketizedAu } from './packetize-cache.js';
import { RtpWriter, viaWeriftSender, type RtpSendTarget } from './rtp-writer.js';

function recorder(): RtpSendTarget & { sent: RtpPacket[] } {
  const sent: RtpPacket[] = [];
  return {
    sent,
    send(p) {
      sent.push(p);
    },
  };
}

const au = (timestamp: number, n: number): PacketizedAu => ({
  kind: 'video',
  bytes: n * 10,
  slots: Array.from({ length: n }, (_, i) => ({
    payload: Buffer.alloc(10, i),
    timestamp,
    marker: i === n - 1,
  })),
});

test('two viewers get distinct packet and header objects over the same payload bytes', () => {
  const a = recorder();
  const b = recorder();
  const wa = new RtpWriter(a, 108);
  const wb = new RtpWriter(b, 108);
  const shared = au(90_000, 3);
  wa.write(shared);
  wb.write(shared);
  assert.equal(a.sent.length, 3);
  assert.equal(b.sent.length, 3);
  for (let i = 0; i < 3; i++) {
    assert.notEqual(a.sent[i], b.sent[i]);
    assert.notEqual(a.sent[i].header, b.sent[i].header);
    assert.equal(a.sent[i].payload, b.sent[i].payload); // payload is shared, never copied
  }
  // werift's RtpSender.sendRtp rewrites ssrc/payloadType/seq in place and caches the object for
  // NACK; doing that to viewer A's packet must leave viewer B's untouched (pitfall 5).
  const bSeq = b.sent.map((p) => p.header.sequenceNumber);
  for (const p of a.sent) {
    p.header.ssrc = 0x11111111;
    p.header.payloadType = 127;
    p.header.sequenceNumber = 0;
  }
  assert.ok(b.sent.every((p) => p.header.ssrc !== 0x11111111 && p.header.payloadType === 108));
  assert.deepEqual(
    b.sent.map((p) => p.header.sequenceNumber),
    bSeq,
  );
});

test('sequence numbers run on per viewer across AUs and wrap at 2^16', () => {
  const t = recorder();
  const w = new RtpWriter(t, 96);
  (w as unknown as { seq: number }).seq = 0xfffe;
  w.write(au(0, 2));
  w.write(au(3600, 2));
  assert.deepEqual(
    t.sent.map((p) => p.header.sequenceNumber),
    [0xfffe, 0xffff, 0, 1],
  );
  assert.deepEqual(
    t.sent.map((p) => p.header.marker),
    [false, true, false, true],
  );
  assert.equal(w.packets, 4);
});

test('timestamps keep the media spacing under a random per-viewer offset', () => {
  const t = recorder();
  const w = new RtpWriter(t, 8);
  w.write(au(8000, 1));
  w.write(au(8160, 1));
  const [x, y] = t.sent.map((p) => p.header.timestamp);
  assert.equal((y - x + 2 ** 32) % 2 ** 32, 160);
  assert.ok(x >= 0 && x < 2 ** 32);
  // Two writers almost surely differ in offset (RFC 3550 §5.1 random start).
  const offsets = new Set(
    Array.from({ length: 8 }, () => new RtpWriter(recorder(), 8).build(au(0, 1))[0].header.timestamp),
  );
  assert.ok(offsets.size > 1);
});

test("through werift's RTCRtpSender, a rejected sendRtp promise is swallowed, not left unhandled", async () => {
  let unhandled = 0;
  const onUnhandled = () => unhandled++;
  process.on('unhandledRejection', onUnhandled);
  try {
    new RtpWriter(viaWeriftSender({ sendRtp: () => Promise.reject(new Error('socket closed')) }), 96).write(
      au(0, 2),
    );
    // Unhandled rejections are reported once the microtask queue drains, before the next macrotask.
    await new Promise((r) => setImmediate(r));
    assert.equal(unhandled, 0);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
