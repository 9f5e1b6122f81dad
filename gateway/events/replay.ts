// Last-Event-ID replay (docs/events.md §4), one rule for the bus and for a media node's copy of
// the signaling node's stream (docs/events.md §10): event IDs are `<boot>-<sequence>`; a client
// that names an event of this run gets what followed it while the backlog still holds it, and
// `gap` when it does not (the ID is older than the backlog, from another run, or unreadable).
import type { EventType, GatewayEvent } from '../views/events.js';
import type { Backlog } from './backlog.js';

const ID_RE = /^([0-9a-z]{1,16})-(\d{1,15})$/;

/** The parts of an event ID; undefined when it is not one of ours. */
export function parseEventId(id: string): { boot: string; seq: number } | undefined {
  const m = ID_RE.exec(id.trim());
  return m ? { boot: m[1], seq: Number(m[2]) } : undefined;
}

/**
 * What a client that last saw `lastEventId` is owed from `backlog`, which holds events of run
 * `bootId` whose sequence numbers are the backlog's own plus `seqOffset`. An ID from before the
 * first event the backlog ever held is a gap, even when the backlog never dropped one.
 */
export function replayAfter(
  backlog: Backlog<GatewayEvent>,
  bootId: string,
  lastEventId: string | undefined,
  types: ReadonlySet<EventType>,
  seqOffset = 0,
): { backlog: GatewayEvent[]; gap: boolean } {
  if (lastEventId === undefined) {
    return { backlog: [], gap: false };
  }
  const id = parseEventId(lastEventId);
  const ours = id !== undefined && id.boot === bootId;
  // An ID of another run (the gateway restarted) or an unreadable one: everything we hold.
  const { events, complete } = backlog.after(ours ? id.seq - seqOffset : 0);
  return { backlog: events.filter((e) => types.has(e.type)), gap: !complete || !ours };
}
