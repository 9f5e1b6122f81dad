// HTTP for HLS outputs: GET /:streamId/<file> (and /:deviceId/:channelId/<file> for ids with
// a slash). Playlists block per LL-HLS (_HLS_msn/_HLS_part); names are matched strictly, so
// nothing here ever touches a path on disk.
import express, { type Request, type Response, type Router } from 'express';
import { ErrorCodes, type ErrorCode } from '../../errors.js';
import type { HlsOutput } from './hls-output.js';
import { parseHlsName } from './names.js';
import { appendQueryToUris } from './playlist.js';

const STREAM_ID_PART = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/;
/** One part, or `${deviceId}/${channelId}` when the slash arrives percent-encoded. */
const STREAM_ID = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}(?:\/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63})?$/;
const UINT = /^(0|[1-9][0-9]{0,9})$/;
/** Query parameters copied onto every URI of a playlist (the signed media token). */
const FORWARDED_QUERY = ['token'];

const PLAYLIST_TYPE = 'application/vnd.apple.mpegurl';

function fail(res: Response, code: ErrorCode, message?: string): void {
  const { status, message: fallback } = ErrorCodes[code];
  res
    .status(status)
    .set('Cache-Control', 'no-store')
    .json({ error: { code, message: message ?? fallback } });
}

function queryString(req: Request, name: string): string | undefined {
  const v = req.query[name];
  return typeof v === 'string' ? v : undefined;
}

function forwardedQuery(req: Request): string {
  const params = new URLSearchParams();
  for (const name of FORWARDED_QUERY) {
    const v = queryString(req, name);
    if (v !== undefined) {
      params.set(name, v);
    }
  }
  return params.toString();
}

/**
 * Serves the outputs `resolve` finds. Content types: playlists application/vnd.apple.mpegurl,
 * init/segments/parts video/mp4. Unknown stream: 404 GW_ERR_STREAM_NOT_FOUND.
 */
export function hlsRouter(resolve: (streamId: string) => HlsOutput | undefined): Router {
  const router = express.Router();

  async function serve(req: Request, res: Response, streamId: string, name: string): Promise<void> {
    const file = parseHlsName(name);
    if (!file) {
      return fail(res, 'GW_ERR_NOT_FOUND', 'No such HLS file.');
    }
    const out = resolve(streamId);
    if (!out) {
      return fail(res, 'GW_ERR_STREAM_NOT_FOUND', `No HLS output for stream ${streamId}.`);
    }
    const forward = forwardedQuery(req);

    if (file.kind === 'multivariant' || file.kind === 'media') {
      let text: string | undefined;
      if (file.kind === 'multivariant') {
        text = await out.multivariantPlaylist();
      } else {
        const msnText = queryString(req, '_HLS_msn');
        const partText = queryString(req, '_HLS_part');
        if (
          (msnText !== undefined && !UINT.test(msnText)) ||
          (partText !== undefined && !UINT.test(partText))
        ) {
          return fail(res, 'GW_ERR_BAD_REQUEST', '_HLS_msn and _HLS_part must be non-negative integers.');
        }
        if (partText !== undefined && msnText === undefined) {
          return fail(res, 'GW_ERR_BAD_REQUEST', '_HLS_part requires _HLS_msn.');
        }
        const answer = await out.playlist(
          file.track,
          {
            msn: msnText === undefined ? undefined : Number(msnText),
            part: partText === undefined ? undefined : Number(partText),
          },
          file.alignedTo,
        );
        if (answer.kind === 'too-far') {
          // RFC 8216bis §6.2.5.2: a request too far ahead is answered at once with 400.
          return fail(res, 'GW_ERR_BAD_REQUEST', `${answer.reason}; reload without it.`);
        }
        text = answer.kind === 'playlist' ? answer.text : undefined;
      }
      if (text === undefined) {
        return fail(res, 'GW_ERR_NOT_FOUND', 'The stream has produced no HLS media yet.');
      }
      // setHeader, not res.set: express would append "; charset=utf-8" to the type
      res.status(200).setHeader('Content-Type', PLAYLIST_TYPE);
      res.setHeader('Cache-Control', 'no-cache');
      res.send(Buffer.from(forward ? appendQueryToUris(text, forward) : text, 'utf8'));
      return;
    }

    const chunks = await out.waitForSegmentChunks(name);
    if (!chunks) {
      return fail(res, 'GW_ERR_NOT_FOUND', `${name} is not (or no longer) available.`);
    }
    let size = 0;
    for (const c of chunks) {
      size += c.byteLength;
    }
    res.status(200).set({
      'Content-Type': 'video/mp4',
      'Content-Length': String(size),
      // a restarted output reuses names, so nothing is cached for long
      'Cache-Control': file.kind === 'init' ? 'no-cache' : 'max-age=10',
    });
    // A segment goes out as its parts, back to back: never joined into one buffer.
    for (const c of chunks) {
      res.write(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    }
    res.end();
  }

  router.get('/:streamId/:file', async (req, res) => {
    const { streamId, file } = req.params;
    if (!STREAM_ID.test(streamId)) {
      return fail(res, 'GW_ERR_STREAM_NOT_FOUND', 'Malformed stream id.');
    }
    await serve(req, res, streamId, file);
  });
  router.get('/:deviceId/:channelId/:file', async (req, res) => {
    const { deviceId, channelId, file } = req.params;
    if (!STREAM_ID_PART.test(deviceId) || !STREAM_ID_PART.test(channelId)) {
      return fail(res, 'GW_ERR_STREAM_NOT_FOUND', 'Malformed stream id.');
    }
    await serve(req, res, `${deviceId}/${channelId}`, file);
  });
  return router;
}
