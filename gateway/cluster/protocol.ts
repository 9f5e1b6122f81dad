// What nodes say to each other through Redis: the node status in heartbeats, the stream
// directory entry, and the typed commands and events of the bus (node-bus.ts). Everything here
// is plain JSON; Dates travel as ISO strings.
import type { MediaTransport } from '../ingest/ingest-session.js';
import type { PlayMediaEvent, RemoteStreamView } from '../media-plane/media-node-client.js';

export type NodeRole = 'signaling' | 'media';

/** One media node's heartbeat: who it is, where to reach it, how loaded it is. */
export interface NodeStatus {
  nodeId: string;
  /** Base URL browsers use for WHEP and HLS on this node (--advertise-http). */
  http: string;
  /** Address devices send RTP to (SDP c=). */
  mediaIp: string;
  /** Increments with every beat, so a receiver can tell a new beat from a replayed one. */
  seq: number;
  load: NodeLoad;
  /** Per stream the node serves: the hub's state for the API (stream views, metrics). */
  streams: Record<string, RemoteStreamView>;
  /** The last beat of a node shutting down: its streams move now, not after the timeout. */
  leaving?: true;
}

export interface NodeLoad {
  streams: number;
  /** Sum of the ingest bitrates. */
  bitrateInKbps: number;
  /** Ingest bitrate × viewers: what WebRTC and HLS send out, roughly. */
  bitrateOutKbps: number;
  /** Share of one core used by the process since the last beat, 0–100 per core. */
  cpuPercent: number;
}

/** Which node serves which stream, and what it takes to invite the stream again elsewhere. */
export interface DirectoryEntry {
  streamId: string;
  nodeId: string;
  /** The node's --advertise-http, so a redirect needs no second lookup. */
  http: string;
  /** One ingest attempt on that node; a later attempt replaces the entry. */
  ingestId: string;
  deviceId: string;
  channelId: string;
  kind: 'live' | 'playback' | 'download';
  range?: { start: string; end: string };
  since: string;
}

export interface OpenIngestArgs {
  ingestId: string;
  streamId: string;
  deviceId: string;
  channelId: string;
  kind: 'live' | 'playback' | 'download';
  transport: MediaTransport;
  expectedSsrc: number | undefined;
  /** Optional: nodes of an older version neither send nor read it. */
  deviceAddresses?: string[];
}

/** Commands a media node answers (signaling → media). */
export interface MediaCommands {
  'ingest.open': { args: OpenIngestArgs; result: { port: number; address: string } };
  'ingest.answer': {
    args: { ingestId: string; ssrc?: number; dial?: { host: string; port: number }; trust?: string };
    result: { ok: true };
  };
  'ingest.close': { args: { ingestId: string; reason: string }; result: { ok: boolean } };
}

/** Events a media node sends to the signaling node that opened the ingest. */
export interface MediaEvents {
  'ingest.event': { ingestId: string; event: PlayMediaEvent };
  'ingest.closed': { ingestId: string; cause: string };
  'ingest.keyframe': { ingestId: string };
}

/** Commands the signaling node answers (any node's API → signaling). */
export interface SignalingCommands {
  'api.call': {
    args: { method: ApiMethod; params: unknown[] };
    result: { value: unknown; mediaBase?: string };
  };
}

/** The GatewayServices calls a media node's API forwards to the signaling node. */
export const API_METHODS = [
  'syncCatalog',
  'startLive',
  'startPlayback',
  'ptz',
  'queryRecords',
  'controlPlayback',
  'stopStream',
] as const;
export type ApiMethod = (typeof API_METHODS)[number];

/** Dates inside the events arrive as strings; the diagnosis does not read them, but keep the type honest. */
export function reviveIngestEvent(e: PlayMediaEvent): PlayMediaEvent {
  if ('at' in e && typeof e.at === 'string') {
    return { ...e, at: new Date(e.at) };
  }
  return e;
}
