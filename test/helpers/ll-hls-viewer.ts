// A Low-Latency HLS viewer as hls.js runs one (RFC 8216bis §6.2.5.2, §6.3.7): it reloads the media
// playlist with a blocking request for the next part (_HLS_msn/_HLS_part), then downloads each
// part the playlist newly lists, and again, for the video and the audio rendition. About four
// requests per part (a part every ~0.33 s), so a wall of such viewers behind one address makes
// several hundred requests a second; it counts every answer, so a test can tell played parts
// from 429s.
export interface LlHlsCounts {
  playlists: number;
  parts: number;
  bytes: number;
  /** Answers by status, 200 included. */
  statuses: Map<number, number>;
}

interface PartRef {
  msn: number;
  index: number;
  uri: string;
}

/** The parts a media playlist lists, with the segment (msn) each belongs to. */
export function listParts(text: string): { parts: PartRef[]; nextMsn: number; nextPart: number } {
  let msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0);
  let index = 0;
  const parts: PartRef[] = [];
  let afterExtinf = false;
  for (const line of text.split('\n')) {
    const part = /^#EXT-X-PART:.*URI="([^"]+)"/.exec(line);
    if (part) {
      parts.push({ msn, index: index++, uri: part[1] });
    } else if (line.startsWith('#EXTINF')) {
      afterExtinf = true;
    } else if (afterExtinf && line.trim() && !line.startsWith('#')) {
      afterExtinf = false;
      msn++;
      index = 0;
    }
  }
  return { parts, nextMsn: msn, nextPart: index };
}

export class LlHlsViewer {
  readonly counts: LlHlsCounts = { playlists: 0, parts: 0, bytes: 0, statuses: new Map() };
  #stopped = false;

  /** `hlsUrl`: the multivariant playlist URL the live answer gives (with its token). */
  constructor(private readonly hlsUrl: string) {}

  /**
   * Plays until stop(); resolves when it has stopped. Like hls.js it follows the first video
   * variant and, when the multivariant playlist has one, its audio rendition (EXT-X-MEDIA
   * TYPE=AUDIO), each with its own blocking reloads and parts.
   */
  async run(): Promise<void> {
    const index = await this.#get(this.hlsUrl);
    const mediaUri = index?.split('\n').find((l) => l.trim() && !l.startsWith('#'));
    if (!index || !mediaUri) {
      return;
    }
    const audioUri = /^#EXT-X-MEDIA:.*TYPE=AUDIO.*URI="([^"]+)"/m.exec(index)?.[1];
    await Promise.all(
      [mediaUri.trim(), audioUri]
        .filter((u) => u !== undefined)
        .map((u) => this.#follow(new URL(u, this.hlsUrl))),
    );
  }

  async #follow(media: URL): Promise<void> {
    const fetched = new Set<string>();
    let text = await this.#get(media.href);
    while (!this.#stopped && text !== undefined) {
      this.counts.playlists++;
      const { parts, nextMsn, nextPart } = listParts(text);
      // A new viewer starts near the live edge: only the last few parts, as hls.js does.
      const fresh = parts.filter((p) => !fetched.has(p.uri)).slice(fetched.size === 0 ? -3 : 0);
      for (const p of fresh) {
        fetched.add(p.uri);
        const bytes = await this.#get(new URL(p.uri, media).href, true);
        if (bytes !== undefined) {
          this.counts.parts++;
        }
      }
      const next = new URL(media);
      next.searchParams.set('_HLS_msn', String(nextMsn));
      next.searchParams.set('_HLS_part', String(nextPart));
      text = await this.#get(next.href);
    }
  }

  stop(): void {
    this.#stopped = true;
  }

  async #get(url: string, binary = false): Promise<string | undefined> {
    for (;;) {
      if (this.#stopped) {
        return undefined;
      }
      let res: Response;
      try {
        res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      } catch {
        return undefined;
      }
      this.counts.statuses.set(res.status, (this.counts.statuses.get(res.status) ?? 0) + 1);
      if (res.status === 200) {
        if (binary) {
          const b = await res.arrayBuffer();
          this.counts.bytes += b.byteLength;
          return '';
        }
        return res.text();
      }
      await res.arrayBuffer();
      if (res.status !== 429) {
        return undefined;
      }
      // As hls.js does on an error: wait a little, then the same request again.
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
