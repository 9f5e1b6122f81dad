// A viewer worker thread (messages.ts): WHEP sessions exactly as on the main thread (werift
// ICE/DTLS, our SRTP, the packetize cache shared by this worker's viewers), each watching a
// ReplicaStream that the main thread feeds. The worker asks for a feed when a session needs
// one and gives it back when no session uses it.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../../log.js';
import { FanoutScheduler } from '../fanout-scheduler.js';
import { GatheringLane } from '../gathering-lane.js';
import { PacketizeCache } from '../packetize-cache.js';
import { WhepError, isWhepError } from '../errors.js';
import { WhepSession, type WhepTranscoder } from '../whep-session.js';
import {
  feedName,
  unpackAccessUnit,
  type FeedKey,
  type FromWorker,
  type OpenRequest,
  type SessionStats,
  type ToWorker,
  type ViewerWorkerConfig,
} from './messages.js';
import { ReplicaStream } from './replica-stream.js';

const STATS_EVERY_MS = 2000;

const config = workerData as ViewerWorkerConfig;
const port = parentPort!;
const log = createLogger('gateway:webrtc-worker').child({ worker: config.index });
/** [0]: bytes of access units published, wrapping at 2^31 (viewer-workers.ts reads the lag). */
const consumed = new Int32Array(config.consumed);
const cache = new PacketizeCache({ mtu: config.mtu });
const scheduler = config.fanout === 'sliced' ? new FanoutScheduler() : undefined;
const sessions = new Map<string, WhepSession>();
const replicas = new Map<string, ReplicaStream>();
/** Feeds held by offers still negotiating (no session object yet). */
const opening = new Map<string, number>();
const lane = new GatheringLane();

const post = (m: FromWorker): void => port.postMessage(m);
const statsOf = (s: WhepSession): SessionStats => ({ sink: s.stats, rtcp: s.rtcpStats });
/** This thread's event-loop delay since the last 'loop-read' (sampled like bench/lib/self-metrics.ts). */
const loop = monitorEventLoopDelay({ resolution: 5 });
const ms = (ns: number): number => (Number.isFinite(ns) ? ns / 1e6 : 0);
loop.enable();

function replica(key: FeedKey): ReplicaStream {
  const name = feedName(key);
  let stream = replicas.get(name);
  if (!stream) {
    stream = new ReplicaStream(name, config.index, {
      requestKeyframe: () => post({ type: 'keyframe', feed: name }),
    });
    replicas.set(name, stream);
    post({ type: 'acquire', key });
  }
  return stream;
}

const transcoder: WhepTranscoder | undefined = config.transcoder
  ? { h264View: (camera) => replica({ streamId: camera.id, view: 'h264' }) }
  : undefined;

/**
 * Gives back every feed no session uses. A session uses the stream its video comes from and the
 * camera's, whose codec changes and stalls it follows even while the transcoder's view feeds it.
 */
function releaseUnused(): void {
  for (const [name, stream] of replicas) {
    if (opening.has(name) || [...sessions.values()].some((s) => s.source === stream || s.camera === stream)) {
      continue;
    }
    replicas.delete(name);
    stream.close('released');
    post({ type: 'release', feed: name });
  }
}

async function open(m: OpenRequest): Promise<void> {
  const name = feedName({ streamId: m.streamId, view: 'camera' });
  opening.set(name, (opening.get(name) ?? 0) + 1);
  try {
    const session = await WhepSession.open({
      id: m.sessionId,
      stream: replica({ streamId: m.streamId, view: 'camera' }),
      ...(transcoder ? { transcoder } : {}),
      offer: m.offer,
      plan: m.plan,
      net: config.net,
      cache,
      ...(scheduler ? { scheduler } : {}),
      serialize: (fn) => lane.run(fn),
      ...(m.connectTimeoutMs !== undefined ? { connectTimeoutMs: m.connectTimeoutMs } : {}),
      ...(m.viewerTimeoutMs !== undefined ? { viewerTimeoutMs: m.viewerTimeoutMs } : {}),
      ...(m.sendPath ? { sendPath: m.sendPath } : {}),
      onConnected: () => post({ type: 'connected', sessionId: m.sessionId }),
      onEnded: (s, reason) => {
        sessions.delete(s.id);
        post({ type: 'ended', sessionId: s.id, reason, stats: statsOf(s) });
        setImmediate(releaseUnused);
      },
    });
    if (session.state === 'closed') {
      throw new WhepError('GW_ERR_WEBRTC_FAILED');
    }
    sessions.set(session.id, session);
    post({ type: 'answer', sessionId: m.sessionId, sdp: session.answer });
  } catch (err) {
    const e = isWhepError(err) ? err : new WhepError('GW_ERR_WEBRTC_FAILED');
    post({ type: 'open-failed', sessionId: m.sessionId, code: e.code, message: e.message });
  } finally {
    const n = (opening.get(name) ?? 1) - 1;
    if (n > 0) {
      opening.set(name, n);
    } else {
      opening.delete(name);
    }
    setImmediate(releaseUnused);
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'au': {
      replicas.get(m.feed)?.publish(unpackAccessUnit(m));
      Atomics.add(consumed, 0, m.data.byteLength);
      break;
    }
    case 'open':
      void open(m);
      break;
    case 'close':
      sessions.get(m.sessionId)?.close(m.reason, m.detail);
      break;
    case 'feed-closed': {
      const stream = replicas.get(m.feed);
      replicas.delete(m.feed);
      stream?.close(m.cause);
      break;
    }
    case 'feed-stalled':
      replicas.get(m.feed)?.relayStall(m.silentMs);
      break;
    case 'loop-read':
      post({ type: 'loop', id: m.id, delay: { p99Ms: ms(loop.percentile(99)), maxMs: ms(loop.max) } });
      loop.reset();
      break;
    case 'crash':
      if (config.crashable) {
        setImmediate(() => {
          throw new Error('viewer worker crash requested by a test');
        });
      }
      break;
  }
});

setInterval(() => {
  releaseUnused(); // a session that followed a codec change left a feed behind
  if (sessions.size > 0) {
    post({
      type: 'stats',
      sessions: [...sessions.values()].map((s) => ({
        id: s.id,
        stats: statsOf(s),
      })),
    });
  }
}, STATS_EVERY_MS).unref();

log.debug({ net: config.net }, 'viewer worker ready');
