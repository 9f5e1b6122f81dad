// A Server-Sent Events reader for GET /api/events (docs/events.md §4): parses id/event/data frames
// as they arrive and stamps each with the moment it was read, so tests and benchmarks can measure
// how long an event took to reach a client.
import http from 'node:http';

export interface SseEvent {
  id: string;
  event: string;
  data: unknown;
  /** performance.timeOrigin + performance.now() when the frame was parsed (epoch ms, sub-ms). */
  receivedAtMs: number;
}

export interface SseClient {
  readonly events: SseEvent[];
  /** Comment lines (`: ping …`). */
  readonly comments: string[];
  readonly closed: boolean;
  /** The first event (after `from` in the list) that passes `match`, waiting up to `timeoutMs`. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number, from?: number): Promise<SseEvent>;
  close(): void;
}

export const nowMs = (): number => performance.timeOrigin + performance.now();

/** Opens the stream; resolves once the answer's headers are in (status 200 expected). */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const comments: string[] = [];
    const waiters = new Set<() => void>();
    let closed = false;
    const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`GET ${url} answered ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let i;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const at = nowMs();
          const fields: Record<string, string> = {};
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) {
              comments.push(line);
              continue;
            }
            const colon = line.indexOf(':');
            if (colon > 0) {
              fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
            }
          }
          if (fields.event !== undefined || fields.data !== undefined) {
            events.push({
              id: fields.id ?? '',
              event: fields.event ?? 'message',
              data: fields.data === undefined ? undefined : (JSON.parse(fields.data) as unknown),
              receivedAtMs: at,
            });
          }
        }
        for (const w of [...waiters]) {
          w();
        }
      });
      res.on('close', () => {
        closed = true;
        for (const w of [...waiters]) {
          w();
        }
      });
      resolve({
        events,
        comments,
        get closed() {
          return closed;
        },
        next(match, timeoutMs = 5000, from = 0) {
          return new Promise<SseEvent>((ok, fail) => {
            const check = (): void => {
              const found = events.slice(from).find(match);
              if (found) {
                cleanup();
                ok(found);
              } else if (closed) {
                cleanup();
                fail(new Error('event stream closed'));
              }
            };
            const timer = setTimeout(() => {
              cleanup();
              fail(new Error(`no matching event within ${timeoutMs} ms (${events.length} events seen)`));
            }, timeoutMs);
            const cleanup = () => {
              clearTimeout(timer);
              waiters.delete(check);
            };
            waiters.add(check);
            check();
          });
        },
        close() {
          req.destroy();
        },
      });
    });
    req.on('error', (err) => {
      closed = true;
      reject(err);
    });
  });
}
