import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  GenericNack,
  PictureLossIndication,
  RtcpPacketConverter,
  RtcpPayloadSpecificFeedback,
  RtcpSrPacket,
  RtcpTransportLayerFeedback,
  type RTCDtlsTransport,
  type RtcpPacket,
} from 'werift';
import { CLOCK_HZ } from '../../../codecs/types.js';
import { parseRtcp } from '../../../codecs/rtp/rtcp.js';
import { ntpTimestamp, RtcpSession } from './rtcp-session.js';
import type { SrtpTrackSender } from './srtp-sender.js';

test('ntpTimestamp: seconds since 1900 in the high word, a true binary fraction in the low word', () => {
  // 1970-01-01T00:00:00.5Z → 2208988800.5 s in NTP era 0 (RFC 3550 §4).
  const ntp = ntpTimestamp(500);
  assert.equal(ntp >> 32n, 2_208_988_800n);
  assert.equal(ntp & 0xffff_ffffn, 0x8000_0000n);
  assert.equal(ntpTimestamp(Date.UTC(2025, 0, 1, 0, 0, 0, 250)) & 0xffff_ffffn, 0x4000_0000n);
});

function fakeTrack(ssrc: number, clockRate: number, packets = 0) {
  const resent: number[][] = [];
  const track = {
    ssrc,
    clockRate,
    counters: {
      packets,
      octets: packets * 100,
      retransmitted: 0,
      lastTimestamp: 1_000_000,
      lastSentMs: 1000,
    },
    retransmit: (seqs: readonly number[]) => (resent.push([...seqs]), seqs.length),
  };
  return { track: track as unknown as SrtpTrackSender, resent };
}

function session(tracks?: SrtpTrackSender[]) {
  let keyframes = 0;
  const rtcp = new RtcpSession({
    dtls: {} as RTCDtlsTransport,
    videoSsrc: 0x1111,
    onKeyframeRequest: () => keyframes++,
    ...(tracks ? { tracks } : {}),
    cname: 'gw-cname',
  });
  return { rtcp, keyframes: () => keyframes };
}

// Feedback goes through werift's own RTCP serializer and parser, as it would off the wire.
const roundTrip = (p: { serialize(): Buffer }): RtcpPacket =>
  RtcpPacketConverter.deSerialize(p.serialize())[0];

test('a PLI or FIR naming the video SSRC requests a keyframe; one for another SSRC does not', () => {
  const { rtcp, keyframes } = session();
  rtcp.handle(
    roundTrip(
      new RtcpPayloadSpecificFeedback({
        feedback: new PictureLossIndication({ senderSsrc: 9, mediaSsrc: 0x1111 }),
      }),
    ),
  );
  assert.equal(keyframes(), 1);
  rtcp.handle(
    roundTrip(
      new RtcpPayloadSpecificFeedback({
        feedback: new PictureLossIndication({ senderSsrc: 9, mediaSsrc: 0x2222 }),
      }),
    ),
  );
  assert.equal(keyframes(), 1);
  // RFC 5104 §4.3.1 FIR (werift does not export its FIR class, so literal bytes):
  const fir = Buffer.from([
    0x84,
    0xce,
    0x00,
    0x04, // V=2 P=0 FMT=4 | PT=206 PSFB | length 4 (5 words)
    0x00,
    0x00,
    0x00,
    0x09, // SSRC of packet sender
    0x00,
    0x00,
    0x00,
    0x00, // SSRC of media source: unused in FIR, 0
    0x00,
    0x00,
    0x11,
    0x11, // FCI: SSRC of the sender asked for a keyframe
    0x01,
    0x00,
    0x00,
    0x00, // FCI: command sequence number 1, reserved
  ]);
  rtcp.handle(RtcpPacketConverter.deSerialize(fir)[0]);
  assert.equal(keyframes(), 2);
  assert.deepEqual({ pli: rtcp.stats.pli, fir: rtcp.stats.fir }, { pli: 1, fir: 1 });
});

test('a Generic NACK is answered by the track with that SSRC', () => {
  const video = fakeTrack(0x1111, CLOCK_HZ);
  const audio = fakeTrack(0x3333, 8000);
  const { rtcp } = session([video.track, audio.track]);
  const nack = new GenericNack({ senderSsrc: 9, mediaSourceSsrc: 0x1111, lost: [100, 101, 117] });
  rtcp.handle(roundTrip(new RtcpTransportLayerFeedback({ feedback: nack })));
  assert.deepEqual(video.resent, [[100, 101, 117]]);
  assert.deepEqual(audio.resent, []);
  assert.equal(rtcp.stats.retransmitted, 3);
});

test('sender reports pair a correct NTP time with the RTP time extrapolated from the last packet', () => {
  const video = fakeTrack(0x1111, CLOCK_HZ, 50);
  const idle = fakeTrack(0x3333, 8000, 0);
  const { rtcp } = session([video.track, idle.track]);
  const reports = rtcp.buildReports(1500); // 500 ms after the last packet
  assert.equal(reports.length, 1, 'a track that has sent nothing gets no SR');
  const [sr, sdes] = reports[0];
  assert.ok(sr instanceof RtcpSrPacket);
  assert.equal(sr.ssrc, 0x1111);
  assert.equal(sr.senderInfo.rtpTimestamp, 1_000_000 + 45_000);
  assert.equal(sr.senderInfo.packetCount, 50);
  assert.equal(sr.senderInfo.octetCount, 5000);
  const expectedNtp = ntpTimestamp(performance.timeOrigin + 1500);
  assert.equal(sr.senderInfo.ntpTimestamp, expectedNtp);
  assert.match(JSON.stringify(sdes), /gw-cname/);
  // And the compound survives werift's serializer (what dtls.sendRtcp does).
  const parsed = RtcpPacketConverter.deSerialize(Buffer.concat(reports[0].map((p) => p.serialize())));
  assert.equal(parsed.length, 2);
});

test('bye(): one compound packet, the sender report first (RFC 3550 §6.1), then a BYE for every track with the reason', async () => {
  const sent: Buffer[] = [];
  const dtls = {
    sendRtcp: (packets: { serialize(): Buffer }[]) => {
      sent.push(Buffer.concat(packets.map((p) => p.serialize())));
      return Promise.resolve();
    },
  } as unknown as RTCDtlsTransport;
  const video = fakeTrack(0x1111, CLOCK_HZ, 50);
  const audio = fakeTrack(0x3333, 8000, 0);
  const rtcp = new RtcpSession({
    dtls,
    videoSsrc: 0x1111,
    onKeyframeRequest: () => {},
    tracks: [video.track, audio.track],
    cname: 'gw-cname',
  });
  await rtcp.bye('codec-changed: the camera changed to H265');
  const packets = parseRtcp(sent[0]);
  assert.deepEqual(
    packets?.map((p) => p.type),
    ['sr', 'other', 'bye'],
  );
  const bye = packets?.[2];
  assert.ok(bye?.type === 'bye');
  assert.deepEqual(bye.ssrcs, [0x1111, 0x3333]);
  assert.equal(new TextDecoder().decode(bye.reason), 'codec-changed: the camera changed to H265');

  // Without a report to send yet (nothing sent), an empty RR leads; a long reason is cut to 255
  // octets on a character boundary.
  sent.length = 0;
  const quiet = new RtcpSession({ dtls, videoSsrc: 0x2222, onKeyframeRequest: () => {}, cname: 'c' });
  await quiet.bye('é'.repeat(200)); // 400 octets of 2-octet characters
  const [rr, bye2] = parseRtcp(sent[0])!;
  assert.deepEqual(rr, { type: 'rr', ssrc: 0x2222, reports: [] });
  assert.ok(bye2.type === 'bye');
  assert.equal(bye2.reason?.length, 254);
  assert.equal(new TextDecoder('utf-8', { fatal: true }).decode(bye2.reason), 'é'.repeat(127));
});
