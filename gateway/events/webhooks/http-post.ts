// One webhook delivery over HTTP(S): POST the JSON body, wait at most `timeoutMs` for the whole
// exchange, read the status, drain the body. Keep-alive agents per endpoint; every address a
// host name resolves to is checked against the refused ranges (webhook-url.ts) before connecting.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { refusedAddress } from './webhook-url.js';

export interface PostResult {
  /** HTTP status, or 0 when there was none (timeout, refused connection, refused address). */
  status: number;
  error?: string;
}

export type WebhookPost = (
  url: URL,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
) => Promise<PostResult>;

const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) {
      callback(err, '', 0);
      return;
    }
    const list: LookupAddress[] = addresses;
    const bad = list.find((a) => refusedAddress(a.address));
    if (bad) {
      callback(
        Object.assign(
          new Error(`${hostname} resolves to a refused address (${refusedAddress(bad.address)})`),
          {
            code: 'EREFUSEDADDR',
          },
        ),
        '',
        0,
      );
      return;
    }
    if (options.all) {
      callback(null, list);
    } else {
      callback(null, list[0].address, list[0].family);
    }
  });
};

/** A poster with its own keep-alive agents; close() ends their idle sockets. */
export function createHttpPost(): { post: WebhookPost; close(): void } {
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 4 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 4 }),
  };
  const post: WebhookPost = (url, body, headers, timeoutMs) =>
    new Promise((resolve) => {
      const secure = url.protocol === 'https:';
      let done = false;
      const finish = (r: PostResult) => {
        if (!done) {
          done = true;
          clearTimeout(timer);
          resolve(r);
        }
      };
      const req = (secure ? https : http).request(url, {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        lookup: guardedLookup,
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
      });
      const timer = setTimeout(() => {
        req.destroy(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => finish({ status: res.statusCode ?? 0 }));
        res.on('error', (err) => finish({ status: res.statusCode ?? 0, error: err.message }));
      });
      req.on('error', (err) => finish({ status: 0, error: err.message }));
      req.end(body);
    });
  return {
    post,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
