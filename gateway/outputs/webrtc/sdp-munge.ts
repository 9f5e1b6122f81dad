// Line-level SDP edits (RFC 8866 §5): narrow an m-section to chosen payload types, trim
// rtcp-fb to what the gateway honours, and keep only host candidates on the public address.
// Line edits rather than parse/write keep every attribute we do not touch byte-for-byte.

/**
 * rtcp-fb values the gateway acts on: NACK (RFC 4585 §6.2.1, werift retransmits from its
 * history), PLI (RFC 4585 §6.3.1) and FIR (RFC 5104 §4.3.1), both mapped to a keyframe
 * request. goog-remb and transport-cc are dropped: the gateway forwards camera bitrate and
 * cannot adapt it, so the viewer need not send that feedback.
 */
export const HONOURED_RTCP_FB = new Set(['nack', 'nack pli', 'ccm fir']);

interface Sections {
  session: string[];
  media: string[][];
}

function splitSections(sdp: string): Sections {
  const lines = sdp.split(/\r?\n/).filter((l) => l !== '');
  const out: Sections = { session: [], media: [] };
  for (const line of lines) {
    if (line.startsWith('m=')) {
      out.media.push([line]);
    } else if (out.media.length === 0) {
      out.session.push(line);
    } else {
      out.media[out.media.length - 1].push(line);
    }
  }
  return out;
}

const join = (s: Sections): string => [...s.session, ...s.media.flat()].join('\r\n') + '\r\n';

/** The payload type an `a=rtpmap:`/`a=fmtp:`/`a=rtcp-fb:` line refers to, if any. */
function linePayloadType(line: string): string | undefined {
  const m = /^a=(?:rtpmap|fmtp|rtcp-fb):(\S+)/.exec(line);
  return m?.[1];
}

/**
 * Keeps only `keep` payload types (in that order) in the m-sections given by index; other
 * sections are left alone. rtcp-fb lines of kept types are trimmed to HONOURED_RTCP_FB.
 */
export function narrowPayloadTypes(sdp: string, keep: ReadonlyMap<number, readonly number[]>): string {
  const s = splitSections(sdp);
  s.media = s.media.map((section, index) => {
    const pts = keep.get(index);
    if (!pts) {
      return section;
    }
    const allowed = new Set(pts.map(String));
    const [mline, ...rest] = section;
    // m=<media> <port> <proto> <fmt> … (RFC 8866 §5.14)
    const fields = mline.split(' ');
    const mlineOut = [...fields.slice(0, 3), ...pts.map(String)].join(' ');
    const attrs = rest.filter((line) => {
      const pt = linePayloadType(line);
      if (pt === undefined) {
        return true;
      }
      if (pt === '*') {
        return line.startsWith('a=rtcp-fb:') ? HONOURED_RTCP_FB.has(line.slice(line.indexOf(' ') + 1)) : true;
      }
      if (!allowed.has(pt)) {
        return false;
      }
      if (line.startsWith('a=rtcp-fb:')) {
        return HONOURED_RTCP_FB.has(line.slice(line.indexOf(' ') + 1));
      }
      return true;
    });
    return [mlineOut, ...attrs];
  });
  return join(s);
}

/** Payload types listed on the m= line of section `index`. */
export function sectionPayloadTypes(sdp: string, index: number): number[] {
  const mline = splitSections(sdp).media[index]?.[0];
  if (!mline) {
    return [];
  }
  return mline.split(' ').slice(3).map(Number);
}

/**
 * Keeps only `a=candidate` lines whose address is in `addresses` (RFC 8839 §5.1 grammar:
 * candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>).
 * Returns the count removed, so a misconfigured host list shows up in logs and tests.
 */
export function keepCandidatesOn(
  sdp: string,
  addresses: readonly string[],
): { sdp: string; removed: number } {
  const allowed = new Set(addresses);
  let removed = 0;
  const s = splitSections(sdp);
  const filter = (lines: string[]) =>
    lines.filter((line) => {
      if (!line.startsWith('a=candidate:')) {
        return true;
      }
      if (allowed.has(line.split(' ')[4] ?? '')) {
        return true;
      }
      removed++;
      return false;
    });
  s.session = filter(s.session);
  s.media = s.media.map(filter);
  return { sdp: join(s), removed };
}

/** Host candidates (address, port) in an SDP, for tests and logs. */
export function listCandidates(sdp: string): { address: string; port: number; type: string }[] {
  return sdp
    .split(/\r?\n/)
    .filter((l) => l.startsWith('a=candidate:'))
    .map((l) => {
      const f = l.split(' ');
      return { address: f[4] ?? '', port: Number(f[5]), type: f[7] ?? '' };
    });
}
