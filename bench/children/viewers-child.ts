// Bench-only entry: WHEP viewers made of werift in their own process (light mode: after
// ICE/DTLS they count SRTP packets without decrypting, docs/browser-notes.md §3), each with an
// RtpTap that counts loss from sequence numbers. Viewers are added step by step.
// argv[2]: the WHEP URL. Calls: add {count}, remove {count}, snapshot, metrics.*, close.
import { setLogLevel } from '../../gateway/log.js';
import { viewerSocket } from '../../gateway/outputs/webrtc/socket-queue.js';
import { WeriftViewer } from '../../test/helpers/werift-viewer.js';
import { serveRpc } from '../lib/rpc-child.js';
import { RtpTap, type PtCounts } from '../lib/rtp-tap.js';
import { selfMetricsHandlers } from '../lib/self-metrics.js';

export const VIDEO_PT = 108;
export const AUDIO_PT = 8;

export interface ViewerSnapshot {
  video: PtCounts[];
  audio: PtCounts[];
}

interface Viewer {
  peer: WeriftViewer;
  tap: RtpTap;
}

serveRpc(() => {
  setLogLevel('error');
  const url = process.argv[2];
  const viewers: Viewer[] = [];
  let failed = 0;
  const connectOne = async (): Promise<void> => {
    const peer = new WeriftViewer({ url, light: true });
    try {
      const status = await peer.connect();
      if (status !== 201) {
        throw new Error(`WHEP POST answered ${status}: ${JSON.stringify(peer.errorBody)}`);
      }
      await peer.connected(20_000);
      const socket = viewerSocket(peer.pc);
      if (!socket) {
        throw new Error('viewer socket not found');
      }
      viewers.push({ peer, tap: new RtpTap(socket) });
    } catch (err) {
      failed++;
      console.error(String(err));
      await peer.close().catch(() => undefined);
    }
  };
  return {
    ready: { pid: process.pid },
    handlers: {
      ...selfMetricsHandlers(),
      /** Connects `count` more viewers, 10 at a time (a burst of page loads). */
      add: async (p: { count: number }) => {
        const before = failed;
        for (let i = 0; i < p.count; i += 10) {
          await Promise.all(Array.from({ length: Math.min(10, p.count - i) }, connectOne));
        }
        return { connected: viewers.length, failed: failed - before };
      },
      /** Closes the `count` most recently connected viewers (WHEP session ends with DTLS close). */
      remove: async (p: { count: number }) => {
        const gone = viewers.splice(Math.max(0, viewers.length - p.count));
        await Promise.all(gone.map((v) => v.peer.close().catch(() => undefined)));
        return { connected: viewers.length };
      },
      snapshot: (): ViewerSnapshot => ({
        video: viewers.map((v) => v.tap.counts(VIDEO_PT)),
        audio: viewers.map((v) => v.tap.counts(AUDIO_PT)),
      }),
      close: async () => {
        await Promise.all(viewers.map((v) => v.peer.close().catch(() => undefined)));
      },
    },
  };
});
