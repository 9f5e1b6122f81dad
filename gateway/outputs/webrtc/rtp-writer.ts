// One viewer's RTP numbering for one track: a fresh RtpPacket per packet per viewer.
// werift's RtpSender.sendRtp rewrites header.ssrc/payloadType in place and keeps the very
// object for NACK retransmission, so a packet object shared between viewers would be
// retransmitted with another viewer's SSRC (docs/browser-notes.md §2.4 pitfall 5). Payload
// buffers are shared: werift only reads them (SRTP writes a new buffer).
import { randomInt } from 'node:crypto';
import { RtpHeader, RtpPacket } from 'werift';
import type { PacketizedAu } from './packetize-cache.js';
import { addUint32 } from './rtp-clock.js';

/** Where a viewer's packets go: SrtpTrackSender, werift's RTCRtpSender (viaWeriftSender), or a test recorder. Must not throw. */
export interface RtpSendTarget {
  send(packet: RtpPacket): void;
}

const ignore = (): void => {};

/**
 * werift's own send path (RTCRtpSender.sendRtp: werift numbers SRs and answers NACKs).
 * Kept for comparison in bench/webrtc-fanout.ts (`SEND_PATH=werift`).
 */
export function viaWeriftSender(sender: { sendRtp(packet: RtpPacket): Promise<void> }): RtpSendTarget {
  // sendRtp is async and must never leave an unhandled rejection (crash-only process).
  return { send: (packet) => void sender.sendRtp(packet).catch(ignore) };
}

export class RtpWriter {
  /** RFC 3550 §5.1: sequence number and timestamp start at random values. */
  private seq = randomInt(0, 0x1_0000);
  private readonly timestampOffset = randomInt(0, 0x1_0000_0000 - 1);
  packets = 0;
  bytes = 0;

  constructor(
    private readonly target: RtpSendTarget,
    private readonly payloadType: number,
  ) {}

  /** Builds this viewer's packets for one AU (exposed for tests; write() sends them). */
  build(au: PacketizedAu): RtpPacket[] {
    const out: RtpPacket[] = new Array<RtpPacket>(au.slots.length);
    for (let i = 0; i < au.slots.length; i++) {
      const slot = au.slots[i];
      // Fields set after construction: RtpHeader's constructor Object.assign()s its props.
      const header = new RtpHeader();
      header.payloadType = this.payloadType;
      header.sequenceNumber = this.seq;
      header.timestamp = addUint32(slot.timestamp, this.timestampOffset);
      header.marker = slot.marker;
      this.seq = (this.seq + 1) & 0xffff;
      out[i] = new RtpPacket(header, slot.payload);
    }
    return out;
  }

  write(au: PacketizedAu): void {
    for (const packet of this.build(au)) {
      this.target.send(packet);
    }
    this.packets += au.slots.length;
    this.bytes += au.bytes;
  }
}
