// Names of the per-device settings that several layers share (store, SDP, upper platform, API):
// which encoder stream a live play asks for, how the INVITE spells that wish, and how a device's
// MANSCDP bodies are decoded and written. Types and value lists only; the behaviour lives with
// its owner (docs/gb28181.md §7.5, §0 "Charset").

/** A camera's encoder streams (2022 a=streamnumber 0, 1, 2; docs/gb28181.md §7.5). */
export const LIVE_STREAMS = ['main', 'sub', 'third'] as const;
export type LiveStream = (typeof LIVE_STREAMS)[number];

/**
 * The SDP attributes that carry the stream wish (docs/gb28181.md §7.5): the 2022 standard's
 * `a=streamnumber:N`, `a=streamprofile:N` (Hikvision, and Dahua), `a=stream:N` (Dahua/Uniview
 * firmware) and `a=streamMode:main|sub` (TP-LINK).
 */
export const SELECTION_DIALECTS = ['streamnumber', 'streamprofile', 'stream', 'streamMode'] as const;
export type SelectionDialect = (typeof SELECTION_DIALECTS)[number];

/** A device's dialect setting: one dialect, every one at once ('all', the default), or none. */
export const STREAM_SELECTIONS = ['all', ...SELECTION_DIALECTS, 'none'] as const;
export type StreamSelection = (typeof STREAM_SELECTIONS)[number];

/** The dialects a setting writes. */
export function dialectsOf(selection: StreamSelection): readonly SelectionDialect[] {
  switch (selection) {
    case 'all':
      return SELECTION_DIALECTS;
    case 'none':
      return [];
    default:
      return [selection];
  }
}

/**
 * How a device's MANSCDP bodies are read and written: 'auto' (decode by content, answer in the
 * charset the device declares, docs/gb28181.md §0) or one fixed charset for both directions.
 */
export const CHARSET_SETTINGS = ['auto', 'GB2312', 'GBK', 'GB18030', 'UTF-8'] as const;
export type CharsetSetting = (typeof CHARSET_SETTINGS)[number];

/** GB/T 28181 edition a device reports in REGISTER `X-GB-Ver` (2022 Annex I): 1.0, 2.0, 3.0. */
export const GB_EDITIONS = ['2011', '2016', '2022'] as const;
export type GbEdition = (typeof GB_EDITIONS)[number];
