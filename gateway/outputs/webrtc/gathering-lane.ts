// Candidate gathering one peer at a time, per thread: werift picks a port from icePortRange by
// binding, closing and re-binding, so two peers gathering at the same time can pick the same
// port. The WHEP registry (whep-sessions.ts) and each viewer worker own one lane.
export class GatheringLane {
  private lane: Promise<unknown> = Promise.resolve();

  /** Runs fn after every earlier call has settled. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lane.then(fn, fn);
    this.lane = run.catch(() => {});
    return run;
  }
}
