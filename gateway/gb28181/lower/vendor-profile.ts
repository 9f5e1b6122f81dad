// Vendor profiles: how a lower platform of a given brand behaves on the wire, reproduced from the
// field behaviour of docs/gb28181.md §11 (the quirks table), so the gateway and other upper
// platforms can be tested against them. The cascade role uses `generic`.

import type { PsMuxerOptions } from '../../../codecs/ps/muxer.js';
import type { AudioForm, G711Law, ReceiverTransport } from '../sdp/broadcast.js';

export type VendorName = 'hikvision' | 'dahua' | 'generic';

/**
 * How a device takes a voice broadcast (docs/voice.md §2): the audio INVITE it sends after its
 * Broadcast Response, and what it asks for in it.
 */
export interface BroadcastBehaviour {
  /** Payload forms listed in the INVITE, in order: raw G.711 (PT 8/0) and/or G.711 in PS (PT 96). */
  readonly forms: readonly AudioForm[];
  readonly law: G711Law;
  /** Request-URI of the INVITE: the Broadcast's SourceID (the standard's form) or the upper's own ID. */
  readonly inviteTo: 'source' | 'upper';
  /** From of the INVITE: the device's own ID or the channel the Broadcast targeted. */
  readonly inviteFrom: 'device' | 'channel';
  /** Media transport from the device's side: UDP, it dials (setup:active) or it listens. */
  readonly transport: ReceiverTransport;
  /** false: answers the Broadcast OK and never INVITEs (a device whose audio is misconfigured). */
  readonly invites: boolean;
}

/** Which SSRC the 200's `y=` carries (docs/gb28181.md §7.3 "Check y= in the answer", quirk 11). */
export type AnswerSsrcMode = 'offer' | 'own' | 'omit';

/**
 * What a sub-stream wish in the INVITE does (docs/gb28181.md §7.5): 'honour' serves the stream
 * asked for and names it in the answer in the dialects of the offer; 'main-only' (a camera without
 * a sub-stream) serves main and says so; 'ignore' (firmware that knows none of the dialects)
 * serves main and names nothing.
 */
export type SubStreamMode = 'honour' | 'main-only' | 'ignore';

export interface VendorProfile {
  readonly name: VendorName;
  /** User-Agent header. */
  readonly userAgent: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly firmware: string;
  /** Catalog items per response MESSAGE (quirk 5: Hikvision NVRs send one per message, wvp #464). */
  readonly catalogPageSize: number;
  /** RecordInfo items per response MESSAGE (docs/gb28181.md §6: a Hikvision answer carried 2 per message). */
  readonly recordPageSize: number;
  /** PresetQuery items per response MESSAGE (docs/gb28181.md §4: long preset lists come in pages). */
  readonly presetPageSize: number;
  readonly subStream: SubStreamMode;
  /** REGISTER `X-GB-Ver` (2022 Annex I): '3.0' for a 2022 device; undefined sends none (2016 devices). */
  readonly gbVersionHeader: '2.0' | '3.0' | undefined;
  /**
   * What goes after '@' in From/To of device-initiated requests: the SIP domain (Hikvision) or
   * the upper's IP:port (Dahua) (docs/gb28181.md §0 "Request-URI and To").
   */
  readonly uriHost: 'domain' | 'address';
  /** Names are written with a raw '&' instead of '&amp;' (quirk 2, Hikvision). */
  readonly rawAmpersand: boolean;
  /** `<?xml … standalone="yes"?>` in the declaration (docs/gb28181.md §0 Robust XML, Dahua). */
  readonly xmlStandalone: boolean;
  /** Hikvision adds an empty `<Info></Info>` to Keepalive (docs/gb28181.md §2). */
  readonly keepaliveEmptyInfo: boolean;
  /** y= of the 200 answer (quirk 11): echo the offer, use the device's own, or leave it out. */
  readonly answerSsrc: AnswerSsrcMode;
  /** RTP header SSRC: the answered y=, or 0 as Dahua cameras send (SRS #2047, quirk 11). */
  readonly rtpSsrc: 'answer' | 'zero';
  /** Start media when sending the 200, before the ACK (Dahua, ZLM #2390, quirk 12). */
  readonly mediaBeforeAck: boolean;
  /** Set the device clock from the REGISTER 200's Date header (docs/gb28181.md §1.4; Dahua ignores it, wvp #1887). */
  readonly timeSyncFromDate: boolean;
  /**
   * PS layout (docs/gb28181.md §10.6): where the system header and PSM go, AUDs, pack stuffing. The
   * reference documents the layouts but ties none to a brand with a capture, so the assignment
   * below spreads them over the profiles to exercise each path of an upper's demuxer.
   */
  readonly psMux: Omit<PsMuxerOptions, 'video' | 'audio'>;
  /**
   * Voice broadcast. The field notes name the variants (raw or PS, INVITE to the SourceID or to the
   * upper's ID) without tying them to a brand by capture, so, as for psMux, the profiles spread
   * them to exercise each path of an upper platform.
   */
  readonly broadcast: BroadcastBehaviour;
}

export const vendorProfiles: Readonly<Record<VendorName, VendorProfile>> = {
  hikvision: {
    name: 'hikvision',
    userAgent: 'Embedded Net DVR/NVR/DVS',
    manufacturer: 'Hikvision',
    model: 'DS-7808N-K1',
    firmware: 'V4.30.000',
    catalogPageSize: 1,
    recordPageSize: 2,
    presetPageSize: 4,
    subStream: 'honour',
    gbVersionHeader: undefined,
    uriHost: 'domain',
    rawAmpersand: true,
    xmlStandalone: false,
    keepaliveEmptyInfo: true,
    answerSsrc: 'offer',
    rtpSsrc: 'answer',
    mediaBeforeAck: false,
    timeSyncFromDate: true,
    // System header + PSM before IDR frames only, two stuffing bytes after each pack header.
    psMux: { psmOnEveryPack: false, packStuffing: 2 },
    broadcast: {
      forms: ['ps'],
      law: 'PCMA',
      inviteTo: 'source',
      inviteFrom: 'channel',
      transport: 'udp',
      invites: true,
    },
  },
  dahua: {
    name: 'dahua',
    userAgent: 'DH-NVR4208',
    manufacturer: 'Dahua',
    model: 'DH-NVR4208-4KS2',
    firmware: 'V4.001.0000000.1',
    catalogPageSize: 2,
    recordPageSize: 4,
    presetPageSize: 8,
    subStream: 'honour',
    gbVersionHeader: undefined,
    uriHost: 'address',
    rawAmpersand: false,
    xmlStandalone: true,
    keepaliveEmptyInfo: false,
    answerSsrc: 'offer',
    rtpSsrc: 'zero',
    mediaBeforeAck: true,
    timeSyncFromDate: false,
    // System header + PSM in every pack ("as some vendors send", codecs/ps/muxer.ts).
    psMux: { psmOnEveryPack: true },
    broadcast: {
      forms: ['rtp'],
      law: 'PCMA',
      inviteTo: 'upper',
      inviteFrom: 'device',
      transport: 'udp',
      invites: true,
    },
  },
  generic: {
    name: 'generic',
    userAgent: 'gb28181-lower/0.1',
    manufacturer: 'Simulator',
    model: 'SIM-NVR',
    firmware: '0.1.0',
    catalogPageSize: 2,
    recordPageSize: 4,
    presetPageSize: 8,
    subStream: 'honour',
    gbVersionHeader: undefined,
    uriHost: 'domain',
    rawAmpersand: false,
    xmlStandalone: false,
    keepaliveEmptyInfo: false,
    answerSsrc: 'offer',
    rtpSsrc: 'answer',
    mediaBeforeAck: false,
    timeSyncFromDate: true,
    // ireader's libmpeg style: PSM on keyframes, every frame starting with an AUD.
    psMux: { insertAud: true },
    broadcast: {
      forms: ['rtp', 'ps'],
      law: 'PCMA',
      inviteTo: 'source',
      inviteFrom: 'device',
      transport: 'udp',
      invites: true,
    },
  },
};

export function isVendorName(name: string): name is VendorName {
  return Object.hasOwn(vendorProfiles, name);
}

/** A named profile with some fields replaced (tests and CLI knobs such as `--catalog-page-size`). */
export function vendorProfile(
  name: VendorName,
  overrides: Partial<Omit<VendorProfile, 'name'>> = {},
): VendorProfile {
  return { ...vendorProfiles[name], ...overrides };
}
