// The media files of recording (docs/recording.md §7-§10), served beside the JSON routes of
// routes/recording.ts: recording files and their video-only view, the cloud VOD playlist and
// MP4 export, finished downloads and channel snapshots. Not JSON, so listed in openapi.ts
// extraOperations. Each route takes the bearer token or a URL signed for what it serves.
import type { IRouter, Request } from 'express';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { singleTrackFragment, singleTrackInit } from '../../../codecs/fmp4/video-only.js';
import { GatewayError } from '../../errors.js';
import { readFileRange } from '../../file-range.js';
import { liveStreamId } from '../../live-stream-id.js';
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
  app.get('/api/devices/:deviceId/channels/:channelId/cloud/index.m3u8', cloudAuth, (req, res, next) => {
    let r;
    try {
      r = cloudRange(req);
    } catch (err) {
      return next(err);
    }
    // ?view=file: byte ranges of the stored files as they are (native players); the default is
    // their video-only view, what browsers' MSE takes (docs/recording.md §8).
    const view = req.query.view === 'file' ? 'file' : 'video';
    const fileUrl = (id: string) =>
      `/api/recordings/${id}/${view}?token=${deps.signMedia(`recording:${id}`)}`;
    r.recording.playlist(r.deviceId, r.channelId, r.start, r.end, fileUrl).then(
      (p) => {
        res.setHeader('Content-Type', 'application/vnd.apple.mpegurl');
        res.setHeader('Cache-Control', 'no-store');
        res.end(p.text);
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

  // The video-only view of a recording file for MSE players: the Range a playlist names (the
  // header, or one fragment), read from the file and stripped of its G.711 track.
  app.get('/api/recordings/:recordingId/video', recordingAuth, (req, res, next) => {
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
        new GatewayError('GW_ERR_BAD_REQUEST', 'a Range header bytes=a-b naming the header or one fragment'),
      );
    }
    readFileRange(path, from, to - from + 1).then(
      (bytes) => {
        const out = from === 0 ? singleTrackInit(bytes, 1) : singleTrackFragment(bytes, 1);
        if (!out) {
          return next(
            new GatewayError('GW_ERR_BAD_REQUEST', 'the range is not the header or a fragment of the file'),
          );
        }
        res.setHeader('Content-Type', 'video/mp4');
        // The body is not the file's bytes at that range: no cache may store it as such.
        res.setHeader('Cache-Control', 'no-store');
        res.end(out);
      },
      () => next(new GatewayError('GW_ERR_RECORDING_NOT_FOUND', 'the recording file is gone')),
    );
  });
}
