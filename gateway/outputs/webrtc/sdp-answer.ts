// Shapes werift's SDP answer into what a WHEP viewer may be given (line edits, so every
// attribute not named here stays byte for byte; docs/browser-notes.md §2.4 pitfall 9):
//   - a=ice-lite once, at session level (RFC 8839 §5.3 defines it there only);
//   - no a=ice-options:trickle: this endpoint takes no trickled candidates nor ICE restarts
//     (PATCH answers 405; RFC 9725 §4.3.1): an ICE-lite gateway with one host candidate learns
//     the browser's address from its checks, and a viewer whose path broke POSTs a new offer;
//   - a=group:BUNDLE only when the offer had one (RFC 8843 §7.3: an answer may not add BUNDLE;
//     Chromium refuses one that does), and without the m-sections the answer rejects (port 0),
//     which werift leaves in it.
const SESSION_LEVEL_ICE_LITE = 'a=ice-lite';

function split(sdp: string): { session: string[]; media: string[][] } {
  const out = { session: [] as string[], media: [] as string[][] };
  for (const line of sdp.split(/\r?\n/)) {
    if (line === '') {
      continue;
    }
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

/** `a=ice-options:` without the trickle option; undefined when nothing is left. */
function withoutTrickle(line: string): string | undefined {
  const options = line
    .slice('a=ice-options:'.length)
    .split(' ')
    .filter((o) => o !== '' && o !== 'trickle');
  return options.length ? `a=ice-options:${options.join(' ')}` : undefined;
}

export function offerHasBundle(offer: string): boolean {
  return /^a=group:BUNDLE\b/m.test(offer);
}

/** a=mid values of the m-sections answered with port 0 (rejected, RFC 3264 §6). */
function rejectedMids(media: readonly string[][]): Set<string> {
  const out = new Set<string>();
  for (const section of media) {
    if (section[0].split(' ')[1] === '0') {
      const mid = section.find((l) => l.startsWith('a=mid:'));
      if (mid) {
        out.add(mid.slice('a=mid:'.length));
      }
    }
  }
  return out;
}

export function shapeAnswer(answer: string, opts: { bundle: boolean }): string {
  const s = split(answer);
  const rejected = rejectedMids(s.media);
  const edit = (lines: string[], level: 'session' | 'media'): string[] =>
    lines.flatMap((line) => {
      if (line === SESSION_LEVEL_ICE_LITE) {
        return level === 'session' ? [line] : [];
      }
      if (line.startsWith('a=ice-options:')) {
        const kept = withoutTrickle(line);
        return kept ? [kept] : [];
      }
      if (line.startsWith('a=group:BUNDLE')) {
        const mids = line
          .split(' ')
          .slice(1)
          .filter((m) => !rejected.has(m));
        return opts.bundle && mids.length ? [['a=group:BUNDLE', ...mids].join(' ')] : [];
      }
      return [line];
    });
  const session = edit(s.session, 'session');
  if (!session.includes(SESSION_LEVEL_ICE_LITE)) {
    // after the t= line, with the other session attributes (RFC 8866 §5 field order)
    const t = session.findIndex((l) => l.startsWith('t='));
    session.splice(t === -1 ? session.length : t + 1, 0, SESSION_LEVEL_ICE_LITE);
  }
  return [...session, ...s.media.flatMap((m) => edit(m, 'media'))].join('\r\n') + '\r\n';
}
