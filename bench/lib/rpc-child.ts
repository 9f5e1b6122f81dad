// The child side of the benchmark RPC: runs `setup`, reports 'ready' with its value, then
// answers calls by method name. A 'close' handler (when given) runs before the process exits.
import type { ChildMessage, Handlers, ParentMessage } from './rpc-messages.js';

function send(m: ChildMessage): void {
  process.send?.(m);
}

export function serveRpc(
  setup: () => Promise<{ ready: unknown; handlers: Handlers }> | { ready: unknown; handlers: Handlers },
): void {
  if (!process.send) {
    console.error('this module is a benchmark child process; the suites fork it with an IPC channel');
    process.exit(2);
  }
  // The parent going away (Ctrl-C, crash) must not leave a gateway running.
  process.on('disconnect', () => process.exit(0));
  Promise.resolve()
    .then(setup)
    .then(
      ({ ready, handlers }) => {
        process.on('message', (m: ParentMessage) => {
          if (m.type !== 'call') {
            return;
          }
          const handler = handlers[m.method] as ((p: unknown) => unknown) | undefined;
          if (!handler) {
            send({ type: 'error', id: m.id, message: `no method ${m.method}` });
            return;
          }
          Promise.resolve()
            .then(() => handler(m.params))
            .then(
              (value) => {
                send({ type: 'result', id: m.id, value: value ?? null });
                if (m.method === 'close') {
                  setTimeout(() => process.exit(0), 50);
                }
              },
              (err: unknown) =>
                send({
                  type: 'error',
                  id: m.id,
                  message: err instanceof Error ? (err.stack ?? err.message) : String(err),
                }),
            );
        });
        send({ type: 'ready', value: ready });
      },
      (err: unknown) => {
        send({ type: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
        setTimeout(() => process.exit(1), 50);
      },
    );
}
