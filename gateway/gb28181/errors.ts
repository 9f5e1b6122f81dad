// Stable error codes of the pure GB/T 28181 protocol pieces (docs/architecture.md §5 "Stable error codes"). Nothing in
// gateway/gb28181/'s codecs throws on input: every failure is returned as data with one of
// these codes; tests assert the code, never the wording.

export const GbErrorCode = {
  // manscdp/xml.ts: hostile or broken XML (docs/gb28181.md §0 "Robust XML")
  BODY_TOO_LARGE: 'GB_ERR_BODY_TOO_LARGE',
  XML_DOCTYPE: 'GB_ERR_XML_DOCTYPE',
  XML_TOO_DEEP: 'GB_ERR_XML_TOO_DEEP',
  XML_MALFORMED: 'GB_ERR_XML_MALFORMED',
  // manscdp.ts: envelope and fields (docs/gb28181.md §0 "XML envelope")
  UNKNOWN_ROOT: 'GB_ERR_UNKNOWN_ROOT',
  MISSING_FIELD: 'GB_ERR_MISSING_FIELD',
  BAD_FIELD: 'GB_ERR_BAD_FIELD',
  SUMNUM_RANGE: 'GB_ERR_SUMNUM_RANGE',
  // ptz.ts (Annex A.3)
  PTZ_FORMAT: 'GB_ERR_PTZ_FORMAT',
  PTZ_HEADER: 'GB_ERR_PTZ_HEADER',
  PTZ_CHECKSUM: 'GB_ERR_PTZ_CHECKSUM',
  PTZ_COMMAND: 'GB_ERR_PTZ_COMMAND',
  PTZ_RANGE: 'GB_ERR_PTZ_RANGE',
  // sdp.ts (RFC 4566 + GB/T 28181 Annex F/G)
  SDP_SYNTAX: 'GB_ERR_SDP_SYNTAX',
  SDP_NO_MEDIA: 'GB_ERR_SDP_NO_MEDIA',
  SDP_NO_CONNECTION: 'GB_ERR_SDP_NO_CONNECTION',
  SDP_BAD_VALUE: 'GB_ERR_SDP_BAD_VALUE',
  SDP_NO_CODEC: 'GB_ERR_SDP_NO_CODEC',
  // gb-date.ts, ssrc.ts, subject.ts, mansrtsp.ts
  BAD_TIME: 'GB_ERR_BAD_TIME',
  BAD_SSRC: 'GB_ERR_BAD_SSRC',
  SUBJECT_SYNTAX: 'GB_ERR_SUBJECT_SYNTAX',
  RTSP_SYNTAX: 'GB_ERR_RTSP_SYNTAX',
} as const;

export type GbErrorCode = (typeof GbErrorCode)[keyof typeof GbErrorCode];

/** One line per code, for logs and docs; every code has an entry (checked by errors.test.ts). */
export const gbErrorMessages: Readonly<Record<GbErrorCode, string>> = {
  GB_ERR_BODY_TOO_LARGE: 'the body exceeds the configured size limit',
  GB_ERR_XML_DOCTYPE: 'the XML carries a DOCTYPE or ENTITY declaration (refused: entity expansion)',
  GB_ERR_XML_TOO_DEEP: 'the XML nests deeper than the configured limit',
  GB_ERR_XML_MALFORMED: 'the XML has no root element or cannot be parsed even after repairs',
  GB_ERR_UNKNOWN_ROOT: 'the root element is not Query, Control, Notify or Response',
  GB_ERR_MISSING_FIELD: 'a mandatory element (CmdType, SN, DeviceID, ...) is missing or empty',
  GB_ERR_BAD_FIELD: 'an element has a value outside its type (not a number, unknown enum, ...)',
  GB_ERR_SUMNUM_RANGE: 'SumNum or Num is not an integer in 0..the configured cap',
  GB_ERR_PTZ_FORMAT: 'the PTZCmd is not 16 hexadecimal characters',
  GB_ERR_PTZ_HEADER: 'byte 1 is not A5 or the byte 2 check nibble is wrong',
  GB_ERR_PTZ_CHECKSUM: 'byte 8 is not the sum of bytes 1..7 mod 256',
  GB_ERR_PTZ_COMMAND: 'byte 4 is not a command of Annex A.3 (or sets opposite directions)',
  GB_ERR_PTZ_RANGE: 'a PTZ parameter (speed, preset, group, address) is out of range',
  GB_ERR_SDP_SYNTAX: 'the SDP has no v=/o=/s=/t= line or a line does not parse',
  GB_ERR_SDP_NO_MEDIA: 'the SDP has no usable m= line',
  GB_ERR_SDP_NO_CONNECTION: 'the SDP has no c= address for the media',
  GB_ERR_SDP_BAD_VALUE: 'an SDP value (port, address, y=, payload type) is invalid',
  GB_ERR_SDP_NO_CODEC: 'the audio offer lists no G.711 we can send, raw (PCMA/PCMU) or in PS',
  GB_ERR_BAD_TIME: 'a date/time is not YYYY-MM-DDTHH:MM:SS[.fff][zone] or does not exist',
  GB_ERR_BAD_SSRC: 'the SSRC is not 10 decimal digits or exceeds 32 bits',
  GB_ERR_SUBJECT_SYNTAX: 'the Subject header is not "<id>:<serial>,<id>:<serial>"',
  GB_ERR_RTSP_SYNTAX: 'the MANSRTSP body has no valid request line or a header is malformed',
};

/** A value or a coded failure; `detail` is for logs only. */
export type GbResult<T> = { ok: true; value: T } | { ok: false; error: GbErrorCode; detail: string };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail(error: GbErrorCode, detail: string): { ok: false; error: GbErrorCode; detail: string } {
  return { ok: false, error, detail };
}
