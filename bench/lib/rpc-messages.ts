// The messages between a benchmark and its child processes over Node's IPC channel:
// a child announces 'ready' (or 'failed') once, then answers numbered calls.

export type ParentMessage = { type: 'call'; id: number; method: string; params?: unknown };

export type ChildMessage =
  | { type: 'ready'; value: unknown }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; message: string };

export type Handler = (params: never) => unknown;
export type Handlers = Record<string, Handler>;
