// @ts-check
// The page's one connection to GET /api/events (Server-Sent Events, docs/events.md §4). EventSource
// cannot send the bearer header, so the page asks for a signed ?token= first. The browser
// reconnects by itself with Last-Event-ID; when the stream is closed for good (the token
// expired, the gateway restarted) a fresh token is fetched and the stream reopened from the
// last event seen.
import { api } from './api.js';

/** @type {Map<string, Set<(data: any) => void>>} */
const handlers = new Map();
let lastEventId = '';
/** @type {EventSource|null} */
let source = null;

/** Calls `fn` with each event of `type` (alarm, device, channel, position, stream, gap). */
export function onEvent(/** @type {string} */ type, /** @type {(data: any) => void} */ fn) {
  if (!handlers.has(type)) handlers.set(type, new Set());
  handlers.get(type)?.add(fn);
}

export async function startEvents() {
  const { url } = await api('/api/events/token', { method: 'POST' });
  const types = [...handlers.keys()].filter((t) => t !== 'gap');
  let full = `${url}&types=${types.join(',')}`;
  if (lastEventId) full += `&lastEventId=${encodeURIComponent(lastEventId)}`;
  source?.close();
  const es = new EventSource(full);
  source = es;
  for (const type of handlers.keys()) {
    es.addEventListener(type, (e) => {
      const msg = /** @type {MessageEvent} */ (e);
      if (msg.lastEventId) lastEventId = msg.lastEventId;
      const data = msg.data ? JSON.parse(msg.data) : null;
      for (const fn of handlers.get(type) ?? []) fn(data);
    });
  }
  es.addEventListener('error', () => {
    if (es.readyState === EventSource.CLOSED && source === es)
      setTimeout(() => void startEvents().catch(() => {}), 3000);
  });
}
