import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGbSdp } from './parse.js';
import { writeGbSdp } from './write.js';
import {
  broadcastAnswer,
  chooseBroadcastMedia,
  deviceBroadcastOffer,
  readBroadcastOffer,
  type BroadcastOffer,
} from './broadcast.js';
import type { GbSdp } from './model.js';

const sdp = (...lines: string[]) => lines.join('\r\n') + '\r\n';
function parsed(text: string): GbSdp {
  const r = parseGbSdp(text);
  assert.ok(r.ok, r.ok ? '' : r.detail);
  return r.value;
}
function offerOf(text: string): BroadcastOffer {
  const r = readBroadcastOffer(parsed(text));
  assert.ok(r.ok, r.ok ? '' : r.detail);
  return r.value;
}

// The device's INVITE as the reference quotes it (docs/gb28181.md §9): UDP, PCMA first, then PS.
const udpOffer = sdp(
  'v=0',
  'o=34020000001310000001 0 0 IN IP4 192.168.1.64',
  's=Play',
  'c=IN IP4 192.168.1.64',
  't=0 0',
  'm=audio 8000 RTP/AVP 8 96',
  'a=recvonly',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:96 PS/90000',
  'y=0200000005',
  'f=v/////a/1/8/1',
);

test('a UDP offer of raw PCMA and PS: both are choices, in the device order, with its y=', () => {
  const o = offerOf(udpOffer);
  assert.equal(o.address, '192.168.1.64');
  assert.equal(o.port, 8000);
  assert.equal(o.transport, 'udp');
  assert.equal(o.ssrc, '0200000005');
  assert.deepEqual(
    o.choices.map((c) => [c.form, c.law, c.payloadType]),
    [
      ['rtp', 'PCMA', 8],
      ['ps', 'PCMA', 96],
    ],
  );
  assert.equal(chooseBroadcastMedia(o).form, 'rtp', "the device's first choice by default");
  assert.equal(chooseBroadcastMedia(o, 'ps').form, 'ps', 'the form this device used last time wins');
});

test('TCP: the device that connects (setup:active, or no setup) makes us listen; setup:passive makes us dial', () => {
  const tcp = (setup: string | undefined) =>
    offerOf(
      udpOffer
        .replace('RTP/AVP 8 96', 'TCP/RTP/AVP 96')
        .replace('a=recvonly', setup ? `a=recvonly\r\na=setup:${setup}` : 'a=recvonly'),
    ).transport;
  assert.equal(tcp('active'), 'tcp-passive');
  assert.equal(tcp(undefined), 'tcp-passive', 'RFC 4145 §4.1: no setup means active');
  assert.equal(tcp('actpass'), 'tcp-passive');
  assert.equal(tcp('passive'), 'tcp-active');
});

test('µ-law: a static PT 0 without rtpmap is PCMU, and a µ-law-only device gets µ-law in its PS', () => {
  const o = offerOf(
    sdp(
      'v=0',
      'o=d 0 0 IN IP4 10.0.0.2',
      's=Play',
      'c=IN IP4 10.0.0.2',
      't=0 0',
      'm=audio 9000 RTP/AVP 0 96',
      'a=rtpmap:96 PS/90000',
    ),
  );
  assert.deepEqual(
    o.choices.map((c) => [c.form, c.law, c.payloadType]),
    [
      ['rtp', 'PCMU', 0],
      ['ps', 'PCMU', 96],
    ],
  );
  assert.equal(o.ssrc, undefined);
});

test('an offer without G.711 or PS, or without audio, is refused with a code', () => {
  const r = readBroadcastOffer(
    parsed(udpOffer.replace('RTP/AVP 8 96', 'RTP/AVP 4 18').replace(/a=rtpmap.*\r\n/g, '')),
  );
  assert.ok(!r.ok && r.error === 'GB_ERR_SDP_NO_CODEC');
  const v = readBroadcastOffer(parsed(udpOffer.replace('m=audio', 'm=video')));
  assert.ok(!v.ok && v.error === 'GB_ERR_SDP_NO_MEDIA');
  const c = readBroadcastOffer(parsed(udpOffer.replace('c=IN IP4 192.168.1.64\r\n', '')));
  assert.ok(!c.ok && c.error === 'GB_ERR_SDP_NO_CONNECTION');
});

test('our answer: sendonly, one payload, the opposite TCP role, the same y=, f= for G.711', () => {
  const o = offerOf(
    udpOffer
      .replace('RTP/AVP 8 96', 'TCP/RTP/AVP 8 96')
      .replace('a=recvonly', 'a=recvonly\r\na=setup:active'),
  );
  const media = chooseBroadcastMedia(o);
  const text = writeGbSdp(
    broadcastAnswer({
      originId: '34020000002000000001',
      address: '192.168.1.10',
      port: 30010,
      media,
      transport: o.transport,
      ...(o.ssrc ? { ssrc: o.ssrc } : {}),
    }),
  );
  assert.equal(
    text,
    sdp(
      'v=0',
      'o=34020000002000000001 0 0 IN IP4 192.168.1.10',
      's=Play',
      'c=IN IP4 192.168.1.10',
      't=0 0',
      'm=audio 30010 TCP/RTP/AVP 8',
      'a=sendonly',
      'a=rtpmap:8 PCMA/8000',
      'a=setup:passive',
      'a=connection:new',
      'y=0200000005',
      'f=v/////a/1/8/1',
    ),
  );
});

test('a device offer round-trips through the reader (simulator ↔ gateway)', () => {
  for (const transport of ['udp', 'tcp-active', 'tcp-passive'] as const) {
    for (const forms of [['rtp', 'ps'], ['ps'], ['rtp']] as const) {
      const made = deviceBroadcastOffer({
        originId: '34020000001310000001',
        address: '127.0.0.1',
        port: 40000,
        forms,
        law: 'PCMA',
        transport,
        ssrc: '0200000042',
      });
      assert.ok(made.ok);
      const o = offerOf(writeGbSdp(made.value));
      assert.deepEqual(
        o.choices.map((c) => c.form),
        [...forms],
      );
      // The device dialing (tcp-active) means the sender listens (tcp-passive), and vice versa.
      assert.equal(
        o.transport,
        transport === 'udp' ? 'udp' : transport === 'tcp-active' ? 'tcp-passive' : 'tcp-active',
      );
      assert.equal(o.ssrc, '0200000042');
    }
  }
  assert.equal(
    deviceBroadcastOffer({
      originId: 'x',
      address: 'a',
      port: 1,
      forms: [],
      law: 'PCMA',
      transport: 'udp',
      ssrc: '0200000001',
    }).ok,
    false,
  );
});
