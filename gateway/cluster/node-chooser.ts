// Picks the media node for a new INVITE: the fewest streams (counting the ones this signaling
// node assigned since the node's last beat), then the lowest CPU, then the lowest ingest
// bitrate, then the node ID so the choice is deterministic. Pure: no Redis, no clock.
import type { NodeStatus } from './protocol.js';

export interface Candidate {
  status: NodeStatus;
  /** Streams this signaling node has placed on the node (directory view, includes starts in flight). */
  assigned: number;
}

export function chooseNode(
  candidates: readonly Candidate[],
  exclude: ReadonlySet<string> = new Set(),
): NodeStatus | undefined {
  let best: { c: Candidate; streams: number } | undefined;
  for (const c of candidates) {
    if (exclude.has(c.status.nodeId)) {
      continue;
    }
    const streams = Math.max(c.status.load.streams, c.assigned);
    if (!best || isLighter(c, streams, best.c, best.streams)) {
      best = { c, streams };
    }
  }
  return best?.c.status;
}

function isLighter(a: Candidate, aStreams: number, b: Candidate, bStreams: number): boolean {
  if (aStreams !== bStreams) {
    return aStreams < bStreams;
  }
  // CPU counts in steps of 10 %: sampling noise should not override an even spread.
  const aCpu = Math.round(a.status.load.cpuPercent / 10);
  const bCpu = Math.round(b.status.load.cpuPercent / 10);
  if (aCpu !== bCpu) {
    return aCpu < bCpu;
  }
  if (a.status.load.bitrateInKbps !== b.status.load.bitrateInKbps) {
    return a.status.load.bitrateInKbps < b.status.load.bitrateInKbps;
  }
  return a.status.nodeId < b.status.nodeId;
}
