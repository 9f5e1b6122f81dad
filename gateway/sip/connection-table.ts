// The TCP connection table of the transport (RFC 3261 §18.3: reuse connections). Requests to a
// device go over the connection it registered on (docs/gb28181.md §1.5), so lookups are by connection
// id first and by the peer's address:port second.
import type { SipRemote } from './remote.js';
import type { TcpConnection } from './tcp-connection.js';

export class ConnectionTable {
  readonly #byId = new Map<string, TcpConnection>();
  /** Latest open connection per "address|port". */
  readonly #byAddress = new Map<string, TcpConnection>();
  #next = 0;

  get size(): number {
    return this.#byId.size;
  }

  newId(): string {
    return `c${++this.#next}`;
  }

  add(conn: TcpConnection): void {
    this.#byId.set(conn.id, conn);
    this.#byAddress.set(addressKey(conn.remote), conn);
  }

  remove(conn: TcpConnection): void {
    if (this.#byId.get(conn.id) === conn) {
      this.#byId.delete(conn.id);
    }
    const key = addressKey(conn.remote);
    if (this.#byAddress.get(key) === conn) {
      this.#byAddress.delete(key);
    }
  }

  get(id: string): TcpConnection | undefined {
    return this.#byId.get(id);
  }

  /** The open connection for `remote`: its connectionId if still open, else any to the same address:port. */
  find(remote: SipRemote): TcpConnection | undefined {
    const byId = remote.connectionId ? this.#byId.get(remote.connectionId) : undefined;
    if (byId?.isOpen) {
      return byId;
    }
    const byAddress = this.#byAddress.get(addressKey(remote));
    return byAddress?.isOpen ? byAddress : undefined;
  }

  all(): TcpConnection[] {
    return [...this.#byId.values()];
  }
}

function addressKey(r: { address: string; port: number }): string {
  return `${r.address}|${r.port}`;
}
