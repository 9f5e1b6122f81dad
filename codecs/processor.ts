// The one stage contract in codecs/ (werift's Processor.processInput): synchronous, no I/O,
// never throws on malformed input bytes; problems are counted in `stats` instead.

export interface Processor<In, Out> {
  /** Feed one input; returns whatever became complete. */
  push(input: In): Out[];
  /** End of input or a discontinuity: emit what is complete, drop partial state. */
  flush(): Out[];
  /** Counters such as resyncs, droppedBytes, gaps. Read-only to callers. */
  readonly stats: Readonly<Record<string, number>>;
}
