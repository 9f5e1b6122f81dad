// One viewer's RTP numbering for one track. The payloads come shared from the PacketizeCache;
// per viewer and packet only the sequence number and timestamp differ, so the writer fills one
// reused record and hands it to the target, which encrypts it at once (srtp-sender.ts) or
// copies it (viaWeriftSender): no objects per packet on the direct path.
import { randomInt } from 'node:crypto';
import { RtpHeader, RtpPacket } from 'werift';
import type { PacketizedAu } from './packetize-cache.js';
import { addUint32 } from './rtp-clock.js';

/** The RTP header fields a viewer's packet carries (RFC 3550 §5.1) and its payload. */
export interface OutgoingRtp {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  marker: boolean;
  payload: Buffer;
}

/**
 * Where a viewer's packets go: SrtpTrackSender, werift's RTCRtpSender (viaWeriftSender), or a
 * test recorder. The record is reused for the next packet: read it during send(), never keep
 * it. Must not throw.
 */
export interface RtpSendTarget {
  send(rtp: Readonly<OutgoingRtp>): void;
}

const ignore = (): void => {};

/**
 * werift's own send path (RTCRtpSender.sendRtp: werift numbers SRs and answers NACKs).
 * Kept for comparison in the webrtc bench (`sendPath: 'werift'`). sendRtp rewrites the
 * header in place and keeps the object for NACK, so every packet gets its own objects here
 * (docs/browser-notes.md §2.4 pitfall 5).
 */
export function viaWeriftSender(sender: { sendRtp(packet: RtpPacket): Promise<void> }): RtpSendTarget {
  return {
    send: (rtp) => {
      const header = new RtpHeader();
      header.payloadType = rtp.payloadType;
      header.sequenceNumber = rtp.sequenceNumber;
      header.timestamp = rtp.timestamp;
      header.marker = rtp.marker;
      // sendRtp is async and must never leave an unhandled rejection (crash-only process).
      void sender.sendRtp(new RtpPacket(header, rtp.payload)).catch(ignore);
    },
  };
}

export class RtpWriter {
  /** RFC 3550 §5.1: sequence number and timestamp start at random values. */
  private seq = randomInt(0, 0x1_0000);
  private readonly timestampOffset = randomInt(0, 0x1_0000_0000 - 1);
  packets = 0;
  bytes = 0;
  /** Reused for every packet this writer sends (see RtpSendTarget). */
  private readonly rtp: OutgoingRtp;

  constructor(
    private readonly target: RtpSendTarget,
    payloadType: number,
  ) {
    this.rtp = { payloadType, sequenceNumber: 0, timestamp: 0, marker: false, payload: Buffer.alloc(0) };
  }

  write(au: PacketizedAu): void {
    const rtp = this.rtp;
    const slots = au.slots;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      rtp.sequenceNumber = this.seq;
      rtp.timestamp = addUint32(slot.timestamp, this.timestampOffset);
      rtp.marker = slot.marker;
      rtp.payload = slot.payload;
      this.seq = (this.seq + 1) & 0xffff;
      this.target.send(rtp);
    }
    this.packets += slots.length;
    this.bytes += au.bytes;
  }
}
