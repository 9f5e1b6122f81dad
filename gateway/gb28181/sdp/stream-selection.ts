// The encoder stream a live INVITE asks for and a 200 names (docs/gb28181.md §7.5): written in the
// dialects a device's setting picks, read in any of them. Pure.
//
//   dialect        main              sub               third
//   streamnumber   a=streamnumber:0  a=streamnumber:1  a=streamnumber:2   (2022 standard)
//   streamprofile  a=streamprofile:0 a=streamprofile:1 a=streamprofile:2  (Hikvision, Dahua)
//   stream         a=stream:0        a=stream:1        a=stream:2         (Dahua/Uniview firmware)
//   streamMode     a=streamMode:main a=streamMode:sub  (no word)          (TP-LINK)
import type { LiveStream, SelectionDialect } from '../../device-settings.js';

const NUMBER: Readonly<Record<LiveStream, number>> = { main: 0, sub: 1, third: 2 };
const BY_NUMBER: readonly LiveStream[] = ['main', 'sub', 'third'];

/**
 * The a= attributes (without "a=") asking for `stream`. A main-stream offer carries none: every
 * device sends its main stream unasked, and the offer stays the standard's 2016 shape.
 */
export function selectionAttributes(stream: LiveStream, dialects: readonly SelectionDialect[]): string[] {
  if (stream === 'main') {
    return [];
  }
  const n = NUMBER[stream];
  const out: string[] = [];
  for (const d of dialects) {
    if (d === 'streamMode') {
      if (stream === 'sub') {
        out.push('streamMode:sub');
      }
    } else {
      out.push(`${d}:${n}`);
    }
  }
  return out;
}

export interface ReadSelection {
  stream: LiveStream;
  /** The attributes that named it, as sent. */
  dialects: SelectionDialect[];
}

const DIALECT_BY_NAME = new Map<string, SelectionDialect>([
  ['streamnumber', 'streamnumber'],
  ['streamprofile', 'streamprofile'],
  ['stream', 'stream'],
  ['streammode', 'streamMode'],
]);

function streamOf(dialect: SelectionDialect, value: string): LiveStream | undefined {
  const v = value.trim().toLowerCase();
  if (dialect === 'streamMode') {
    return v === 'main' ? 'main' : v === 'sub' ? 'sub' : undefined;
  }
  return /^\d{1,3}$/.test(v) ? BY_NUMBER[Number(v)] : undefined;
}

/**
 * The stream named by a media description's other attributes (GbSdpMedia.otherAttributes), in
 * any dialect and letter case; undefined when none names one. When dialects disagree the 2022
 * attribute wins, then the order of the table above.
 */
export function readSelection(attributes: readonly string[]): ReadSelection | undefined {
  const found = new Map<SelectionDialect, LiveStream>();
  for (const attr of attributes) {
    const colon = attr.indexOf(':');
    if (colon < 0) {
      continue;
    }
    const dialect = DIALECT_BY_NAME.get(attr.slice(0, colon).trim().toLowerCase());
    const stream = dialect && streamOf(dialect, attr.slice(colon + 1));
    if (dialect && stream && !found.has(dialect)) {
      found.set(dialect, stream);
    }
  }
  for (const dialect of ['streamnumber', 'streamprofile', 'stream', 'streamMode'] as const) {
    const stream = found.get(dialect);
    if (stream) {
      return { stream, dialects: [...found.keys()] };
    }
  }
  return undefined;
}

/** Attributes that are not a stream selection (to replace a selection with another). */
export function withoutSelection(attributes: readonly string[]): string[] {
  return attributes.filter((a) => {
    const colon = a.indexOf(':');
    return colon < 0 || !DIALECT_BY_NAME.has(a.slice(0, colon).trim().toLowerCase());
  });
}
