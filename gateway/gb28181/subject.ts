// The INVITE `Subject` header (GB/T 28181-2016 Annex K, 2022 Annex L; docs/gb28181.md §7.1):
// `<media sender ID>:<sender stream serial>,<media receiver ID>:<receiver stream serial>`.
// Implementations (wvp, field captures) put the y= value as the sender serial and 0 for the
// receiver: `34020000001310000001:0200000001,34020000002000000001:0`. Some devices reject an
// INVITE without it.
import { fail, ok, GbErrorCode, type GbResult } from './errors.js';

export interface Subject {
  /** The media sender: the channel for live/playback, the device for a broadcast INVITE. */
  senderId: string;
  /** The sender's stream serial: the SSRC (y=) by convention. */
  senderSerial: string;
  receiverId: string;
  /** '0' by convention. */
  receiverSerial: string;
}

const PART_RE = /^\s*([^\s:,]+)\s*:\s*([^\s:,]*)\s*$/;

export function buildSubject(s: Subject): string {
  return `${s.senderId}:${s.senderSerial},${s.receiverId}:${s.receiverSerial}`;
}

/** The usual form for an upper platform's INVITE: sender = channel, serial = y=, receiver serial 0. */
export function playSubject(channelId: string, ssrc: string, receiverId: string): string {
  return buildSubject({ senderId: channelId, senderSerial: ssrc, receiverId, receiverSerial: '0' });
}

/** Tolerates whitespace around the separators and an empty serial (read as '0'). */
export function parseSubject(header: string): GbResult<Subject> {
  const halves = header.split(',');
  if (halves.length !== 2) {
    return fail(GbErrorCode.SUBJECT_SYNTAX, `"${header.slice(0, 80)}"`);
  }
  const sender = PART_RE.exec(halves[0]);
  const receiver = PART_RE.exec(halves[1]);
  if (!sender || !receiver) {
    return fail(GbErrorCode.SUBJECT_SYNTAX, `"${header.slice(0, 80)}"`);
  }
  return ok({
    senderId: sender[1],
    senderSerial: sender[2] || '0',
    receiverId: receiver[1],
    receiverSerial: receiver[2] || '0',
  });
}
