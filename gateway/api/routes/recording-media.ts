// The media files of recording (docs/recording.md §7-§10), served beside the JSON routes of
// routes/recording.ts: recording files and their video-only and FLAC audio views, the cloud VOD
// playlists and MP4 export, finished downloads and channel snapshots. Not JSON, so listed in
// openapi.ts extraOperations. Each route takes the bearer token or a URL signed for what it serves.
import type { IRouter, NextFunction, Request, Response } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import {
  recordingAudio,
  type RecordingAudio,
  recordingFlacFragment,
  recordingFlacInit,
} from '../../../codecs/fmp4/recording-flac.js';
import { singleTrackFragment, singleTrackInit } from '../../../codecs/fmp4/video-only.js';
import { GatewayError } from '../../errors.js';
import { readFileRange } from '../../file-range.js';
import { liveStreamId } from '../../live-stream-id.js';
import { renderMultivariantPlaylist } from '../../outputs/hls/playlist.js';
import { SnapshotError } from '../../outputs/snapshot/snapshot-service.js';
import type { DownloadServices, RecordingServices, SnapshotServices } from '../../views/recording.js';
import type { GatewayServices } from '../../views/services.js';
import { requireMediaToken } from '../auth.js';
import type { MediaAccess } from '../media-access.js';

/** start/end of a cloud playlist or export: ISO 8601 with offset, end after start. */
const CloudRangeQuery = z
  .object({ start: z.string(), end: z.string() })
  .transform((q) => ({ start: new Date(q.start), end: new Date(q.end) }))
  .refine((q) => Number.isFinite(q.start.getTime()) && q.end.getTime() > q.start.getTime());

export interface RecordingMediaDeps {
  /** The channel lookup of snapshots. */
  services: GatewayServices;
  apiToken: string;
  /** Checks the signed URLs. */
  access: MediaAccess;
  /** A signed `?token=` value (URL-encoded) for a media subject (`recording:<id>`). */
  signMedia(subject: string): string;
  /** Cloud recording; its routes answer GW_ERR_RECORDING_UNAVAILABLE without it. */
  recording?: RecordingServices;
  /** Device-record downloads; without it every download is GW_ERR_DOWNLOAD_NOT_FOUND. */
  downloads?: DownloadServices;
  /** JPEG snapshots; without them GW_ERR_RECORDING_UNAVAILABLE. */
  snapshots?: SnapshotServices;
}

/**
 * Adds the routes to the app itself, where app.ts calls it: inside the /api budget, before the
 * JSON routes. Not a nested express.Router: one answers an unmatched OPTIONS with its own Allow
 * list instead of leaving it to the app's 404.
 */
export function addRecordingMediaRoutes(app: IRouter, deps: RecordingMediaDeps): void {
  // Recording files: the bearer token, or a URL signed for `recording:<id>`; express's sendFile
  // answers Range requests (206, Content-Range) and conditional GETs.
  const recordingAuth = requireMediaToken(
    deps.apiToken,
    deps.access,
    (req) => `recording:${String(req.params.recordingId)}`,
  );
  app.get('/api/recordings/:recordingId/file', recordingAuth, (req, res, next) => {
    const path = deps.recording?.filePath(String(req.params.recordingId));
    if (!deps.recording) {
      return next(new GatewayError('GW_ERR_RECORDING_UNAVAILABLE'));
    }
    if (!path) {
      return next(
        new GatewayError(
          'GW_ERR_RECORDING_NOT_FOUND',
          `no recording ${String(req.params.recordingId).slice(0, 32)}`,
        ),
      );
    }
    res.sendFile(path, { headers: { 'Content-Type': 'video/mp4' }, dotfiles: 'allow' }, (err) => {
      if (err && !res.headersSent) {
        next(new GatewayError('GW_ERR_RECORDING_NOT_FOUND', 'the recording file is gone'));
      }
    });
  });

  // Snapshots: the bearer token, or a URL signed for the channel's live stream (a page that may
  // watch the channel may see its thumbnail).
  const snapshotAuth = requireMediaToken(deps.apiToken, deps.access, (req) =>
    liveStreamId(String(req.params.deviceId), String(req.params.channelId)),
  );
  app.get('/api/devices/:deviceId/channels/:channelId/snapshot', snapshotAuth, (req, res, next) => {
    const { deviceId, channelId } = req.params as { deviceId: string; channelId: string };
    if (!/^\d{20}$/.test(deviceId) || !/^\d{20}$/.test(channelId)) {
      return next(
        new GatewayError('GW_ERR_BAD_REQUEST', 'deviceId and channelId are 20-digit GB/T 28181 IDs'),
      );
    }
    if (!deps.snapshots) {
      return next(
        new GatewayError('GW_ERR_RECORDING_UNAVAILABLE', 'snapshots are not served by this process'),
      );
    }
    if (!deps.services.listChannels(deviceId)?.some((c) => c.channelId === channelId)) {
      return next(
        new GatewayError('GW_ERR_CHANNEL_NOT_FOUND', `no channel ${channelId} of device ${deviceId}`),
      );
    }
    deps.snapshots.snapshot(deviceId, channelId).then(
      (jpeg) => {
        res.setHeader('Content-Type', 'image/jpeg');
        res.setHeader('Cache-Control', 'no-store');
        res.end(jpeg);
      },
      (err: unknown) => {
        if (err instanceof SnapshotError) {
          next(
            new GatewayError(
              err.reason === 'no-ffmpeg' ? 'GW_ERR_FFMPEG_MISSING' : 'GW_ERR_SNAPSHOT_FAILED',
              err.message,
            ),
          );
        } else {
          next(err);
        }
      },
    );
  });

  // Cloud playback and export of a channel's recordings: the bearer token, or a URL signed for
  // `cloud:<device>_<channel>` (POST …/cloud-playback hands one out). The playlist's file URLs
  // are signed for each recording.
  const cloudAuth = requireMediaToken(
    deps.apiToken,
    deps.access,
    (req) => `cloud:${String(req.params.deviceId)}_${String(req.params.channelId)}`,
  );
  const cloudRange = (req: Request) => {
    const { deviceId, channelId } = req.params as { deviceId: string; channelId: string };
    const parsed = CloudRangeQuery.safeParse(req.query);
    if (!/^\d{20}$/.test(deviceId) || !/^\d{20}$/.test(channelId) || !parsed.success) {
      throw new GatewayError(
        'GW_ERR_BAD_REQUEST',
        'give 20-digit IDs and start and end as ISO 8601 times with offset, end after start',
      );
    }
    if (!deps.recording) {
      throw new GatewayError('GW_ERR_RECORDING_UNAVAILABLE');
    }
    return { recording: deps.recording, deviceId, channelId, ...parsed.data };
  };
  // ?view=file: byte ranges of the stored files as they are (native players). ?view=video and
  // ?view=audio: the media playlists of the files' views browsers' MSE takes, video only and the
  // G.711 as FLAC. No view: a multivariant playlist of those two (docs/recording.md §8).
  app.get('/api/devices/:deviceId/channels/:channelId/cloud/index.m3u8', cloudAuth, (req, res, next) => {
    let r;
    try {
      r = cloudRange(req);
    } catch (err) {
      return next(err);
    }
    const view = req.query.view ?? 'multivariant';
    if (view !== 'multivariant' && view !== 'file' && view !== 'video' && view !== 'audio') {
      return next(new GatewayError('GW_ERR_BAD_REQUEST', 'view is file, video or audio'));
    }
    const path = view === 'multivariant' ? 'video' : view;
    const fileUrl = (id: string) =>
      `/api/recordings/${id}/${path}?token=${deps.signMedia(`recording:${id}`)}`;
    const { deviceId, channelId, start, end } = r;
    r.recording.playlist(deviceId, channelId, start, end, fileUrl).then(
      (p) => {
        res.setHeader('Content-Type', 'application/vnd.apple.mpegurl');
        res.setHeader('Cache-Control', 'no-store');
        if (view !== 'multivariant') {
          return res.end(p.text);
        }
        const query =
          `start=${encodeURIComponent(start.toISOString())}&end=${encodeURIComponent(end.toISOString())}` +
          `&token=${deps.signMedia(`cloud:${deviceId}_${channelId}`)}`;
        res.end(cloudMultivariant(query, p));
      },
      (err: unknown) => next(err),
    );
  });
  app.get('/api/devices/:deviceId/channels/:channelId/cloud/export', cloudAuth, (req, res, next) => {
    let r;
    try {
      r = cloudRange(req);
    } catch (err) {
      return next(err);
    }
    const source = Readable.from(r.recording.exportRange(r.deviceId, r.channelId, r.start, r.end));
    const name = `${r.deviceId}_${r.channelId}_${r.start.toISOString().replace(/[:.]/g, '-')}.mp4`;
    res.setHeader('Content-Type', 'video/mp4');
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    pipeline(source, res).catch((err: unknown) => {
      if (!res.headersSent) {
        next(err);
      } else {
        res.destroy();
      }
    });
  });

  // A finished download's MP4 (HTTP Range): the bearer token or a URL signed for `download:<id>`.
  const downloadAuth = requireMediaToken(
    deps.apiToken,
    deps.access,
    (req) => `download:${String(req.params.downloadId)}`,
  );
  app.get('/api/downloads/:downloadId/file', downloadAuth, (req, res, next) => {
    const path = deps.downloads?.filePath(String(req.params.downloadId));
    if (!path) {
      return next(new GatewayError('GW_ERR_DOWNLOAD_NOT_FOUND', 'no finished download with this ID'));
    }
    res.sendFile(path, { headers: { 'Content-Type': 'video/mp4' }, dotfiles: 'allow' }, (err) => {
      if (err && !res.headersSent) {
        next(new GatewayError('GW_ERR_DOWNLOAD_NOT_FOUND', 'the download file is gone'));
      }
    });
  });

  // The views of a recording file for MSE players (docs/recording.md §8): the Range a playlist
  // names (the header, or one fragment), read from the file and converted. The body is not the
  // file's bytes at that range, so no cache may store it as such.
  const serveView =
    (
      contentType: string,
      convert: (path: string, from: number, bytes: Uint8Array) => Promise<Uint8Array | undefined>,
    ) =>
    (req: Request, res: Response, next: NextFunction): void => {
      const path = deps.recording?.filePath(String(req.params.recordingId));
      const range = /^bytes=(\d{1,15})-(\d{1,15})$/.exec(req.headers.range ?? '');
      if (!path) {
        return next(
          new GatewayError(deps.recording ? 'GW_ERR_RECORDING_NOT_FOUND' : 'GW_ERR_RECORDING_UNAVAILABLE'),
        );
      }
      const from = Number(range?.[1]);
      const to = Number(range?.[2]);
      if (!range || to < from || to - from >= 64 * 1024 * 1024) {
        return next(
          new GatewayError(
            'GW_ERR_BAD_REQUEST',
            'a Range header bytes=a-b naming the header or one fragment',
          ),
        );
      }
      readFileRange(path, from, to - from + 1)
        .then((bytes) => convert(path, from, bytes))
        .then(
          (out) => {
            if (!out) {
              return next(
                new GatewayError(
                  'GW_ERR_BAD_REQUEST',
                  'the range is not the header or a fragment of the file',
                ),
              );
            }
            res.setHeader('Content-Type', contentType);
            res.setHeader('Cache-Control', 'no-store');
            res.end(out);
          },
          () => next(new GatewayError('GW_ERR_RECORDING_NOT_FOUND', 'the recording file is gone')),
        );
    };

  // Video only: the header without the G.711 trak and trex, each fragment without its traf.
  app.get(
    '/api/recordings/:recordingId/video',
    recordingAuth,
    serveView('video/mp4', (_path, from, bytes) =>
      Promise.resolve(from === 0 ? singleTrackInit(bytes, 1) : singleTrackFragment(bytes, 1)),
    ),
  );

  // A file's header never changes once written, and a player asks for every fragment of it: the
  // tracks it names are read once per file, not once per fragment.
  const headers = new Map<string, RecordingAudio | undefined>();
  const audioOf = async (path: string): Promise<RecordingAudio | undefined> => {
    if (!headers.has(path)) {
      const audio = recordingAudio(await readFileRange(path, 0, HEADER_READ_BYTES));
      if (headers.size >= HEADERS_KEPT) {
        headers.delete(headers.keys().next().value!);
      }
      headers.set(path, audio);
    }
    return headers.get(path);
  };

  // Audio only, the G.711 as FLAC (codecs/fmp4/recording-flac.ts); a fragment is read with the
  // file's header, which says which traf is the audio and which law it uses.
  app.get(
    '/api/recordings/:recordingId/audio',
    recordingAuth,
    serveView('audio/mp4', async (path, from, bytes) => {
      const audio = from === 0 ? recordingAudio(bytes) : await audioOf(path);
      if (!audio) {
        return undefined;
      }
      return from === 0 ? recordingFlacInit(audio) : recordingFlacFragment(bytes, audio);
    }),
  );
}

/** A recording's ftyp + moov fits in this with room to spare (one sample entry per track). */
const HEADER_READ_BYTES = 64 * 1024;
/** Recording headers remembered for the audio view (a few hundred bytes each). */
const HEADERS_KEPT = 256;

/**
 * The multivariant playlist of a cloud range (RFC 8216 §4.3.4): one variant, the video-only media
 * playlist, with the FLAC audio rendition when some file of the range has audio. `query` carries
 * the range and a signed token; the URIs are relative to index.m3u8 itself.
 */
function cloudMultivariant(query: string, p: { audio: boolean; peakBps: number }): string {
  const uri = (view: string) => `index.m3u8?${query}&view=${view}`;
  return renderMultivariantPlaylist(
    [{ uri: uri('video'), bandwidth: p.peakBps, codecs: [], ...(p.audio ? { audioGroup: 'audio' } : {}) }],
    p.audio ? [{ groupId: 'audio', name: 'camera', uri: uri('audio'), channels: 1 }] : [],
  );
}
