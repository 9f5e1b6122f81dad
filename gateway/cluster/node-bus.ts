// Requests, replies and events between nodes over Redis pub/sub. Each node reads one channel
// (keys.inbox(nodeId)); a request carries an ID and the sender's node ID, the reply goes to the
// sender's inbox. Pub/sub keeps nothing for a node that is gone, so every request has a timeout,
// and a PUBLISH that reaches no subscriber fails at once (the node is not running).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GatewayError, ErrorCodes, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { ClusterKeys } from './keys.js';

/** A map of command name → {args, result}; interfaces qualify (no index signature needed). */
export type CommandMap<M> = { [K in keyof M]: { args: unknown; result: unknown } };

type Envelope =
  | { k: 'req'; id: string; from: string; m: string; a: unknown }
  | { k: 'res'; id: string; ok: true; v: unknown }
  | { k: 'res'; id: string; ok: false; code: string | undefined; msg: string }
  | { k: 'evt'; from: string; n: string; d: unknown };

type Handler = (args: unknown, from: string) => unknown;

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export interface NodeBusOptions {
  nodeId: string;
  keys: ClusterKeys;
  /** Connection for PUBLISH. */
  pub: Redis;
  /** A connection of its own: a subscribed ioredis client cannot send other commands. */
  sub: Redis;
  log: Logger;
  /** Default 5000 ms. */
  defaultTimeoutMs?: number;
}

export class NodeBus {
  readonly nodeId: string;
  readonly #o: NodeBusOptions;
  readonly #handlers = new Map<string, Handler>();
  readonly #listeners = new Map<string, (data: unknown, from: string) => void>();
  readonly #pending = new Map<string, Pending>();
  #closed = false;

  private constructor(o: NodeBusOptions) {
    this.#o = o;
    this.nodeId = o.nodeId;
  }

  static async start(o: NodeBusOptions): Promise<NodeBus> {
    const bus = new NodeBus(o);
    const inbox = o.keys.inbox(o.nodeId);
    o.sub.on('message', (channel: string, text: string) => {
      if (channel === inbox) {
        bus.#receive(text);
      }
    });
    await o.sub.subscribe(inbox);
    return bus;
  }

  /** Answers `method` for other nodes; a throw becomes an error reply (GW_ERR_* code kept). */
  serve<M extends CommandMap<M>>(handlers: {
    [K in keyof M & string]: (args: M[K]['args'], from: string) => Promise<M[K]['result']> | M[K]['result'];
  }): void {
    for (const [name, fn] of Object.entries(handlers)) {
      this.#handlers.set(name, fn as Handler);
    }
  }

  listen<E extends object>(handlers: { [K in keyof E & string]?: (data: E[K], from: string) => void }): void {
    for (const [name, fn] of Object.entries(handlers)) {
      if (fn) {
        this.#listeners.set(name, fn as (data: unknown, from: string) => void);
      }
    }
  }

  /** Rejects with GW_ERR_NODE_UNAVAILABLE when nobody reads `to`'s inbox or no reply comes in time. */
  async request<M extends CommandMap<M>, K extends keyof M & string = keyof M & string>(
    to: string,
    method: K,
    args: M[K]['args'],
    timeoutMs = this.#o.defaultTimeoutMs ?? 5000,
  ): Promise<M[K]['result']> {
    if (this.#closed) {
      throw new GatewayError('GW_ERR_NODE_UNAVAILABLE', 'the cluster bus is closed');
    }
    const id = randomUUID();
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new GatewayError(
            'GW_ERR_NODE_UNAVAILABLE',
            `node ${to} did not answer ${method} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
    reply.catch(() => undefined); // observed below; never left unhandled if publish throws first
    let receivers: number;
    try {
      receivers = await this.#publish(to, { k: 'req', id, from: this.nodeId, m: method, a: args });
    } catch (err) {
      this.#settle(id, undefined, err as Error);
      throw err;
    }
    if (receivers === 0) {
      this.#settle(id, undefined, new GatewayError('GW_ERR_NODE_UNAVAILABLE', `node ${to} is not listening`));
    }
    return await reply;
  }

  /** Fire and forget; a failure is logged. */
  emit<E extends object, K extends keyof E & string = keyof E & string>(
    to: string,
    name: K,
    data: E[K],
  ): void {
    if (this.#closed) {
      return;
    }
    this.#publish(to, { k: 'evt', from: this.nodeId, n: name, d: data }).catch((err: unknown) =>
      this.#o.log.warn({ err, to, event: name }, 'cluster event not sent'),
    );
  }

  /** Idempotent: pending requests fail, the inbox is left. */
  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    for (const id of [...this.#pending.keys()]) {
      this.#settle(id, undefined, new GatewayError('GW_ERR_NODE_UNAVAILABLE', 'the cluster bus closed'));
    }
    await this.#o.sub.unsubscribe(this.#o.keys.inbox(this.nodeId)).catch(() => undefined);
  }

  #publish(to: string, e: Envelope): Promise<number> {
    return this.#o.pub.publish(this.#o.keys.inbox(to), JSON.stringify(e));
  }

  #settle(id: string, value: unknown, err?: Error): void {
    const p = this.#pending.get(id);
    if (!p) {
      return;
    }
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if (err) {
      p.reject(err);
    } else {
      p.resolve(value);
    }
  }

  #receive(text: string): void {
    let e: Envelope;
    try {
      e = JSON.parse(text) as Envelope;
    } catch {
      this.#o.log.warn({ length: text.length }, 'unreadable cluster message dropped');
      return;
    }
    switch (e.k) {
      case 'res':
        if (e.ok) {
          this.#settle(e.id, e.v);
        } else {
          this.#settle(e.id, undefined, toError(e.code, e.msg));
        }
        return;
      case 'evt': {
        const fn = this.#listeners.get(e.n);
        try {
          fn?.(e.d, e.from);
        } catch (err) {
          this.#o.log.error({ err, event: e.n }, 'cluster event listener threw');
        }
        return;
      }
      case 'req':
        void this.#answer(e);
        return;
    }
  }

  async #answer(e: Extract<Envelope, { k: 'req' }>): Promise<void> {
    const fn = this.#handlers.get(e.m);
    let reply: Envelope;
    try {
      if (!fn) {
        throw new GatewayError('GW_ERR_NOT_FOUND', `node ${this.nodeId} does not answer ${e.m}`);
      }
      reply = { k: 'res', id: e.id, ok: true, v: (await fn(e.a, e.from)) ?? null };
    } catch (err) {
      const code = err instanceof GatewayError ? err.code : undefined;
      reply = { k: 'res', id: e.id, ok: false, code, msg: (err as Error).message ?? String(err) };
    }
    await this.#publish(e.from, reply).catch((err: unknown) =>
      this.#o.log.warn({ err, to: e.from, method: e.m }, 'cluster reply not sent'),
    );
  }
}

function toError(code: string | undefined, msg: string): Error {
  if (code && code in ErrorCodes) {
    return new GatewayError(code as ErrorCode, msg);
  }
  return new Error(msg);
}
