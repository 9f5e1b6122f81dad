// Every suite, in the order `npm run bench` runs them: micro-benchmarks first, then the load
// suites that start gateways.
import type { Suite } from '../suite.js';
import { demuxSuite } from './demux.js';
import { eventsSuite } from './events.js';
import { fmp4Suite } from './fmp4.js';
import { ingestSuite } from './ingest.js';
import { latencySuite } from './latency.js';
import { packetizeSuite } from './packetize.js';
import { sipSuite } from './sip.js';
import { voiceSuite } from './voice.js';
import { recordingSuite } from './recording.js';
import { webrtcSuite } from './webrtc.js';

export const SUITES: readonly Suite[] = [
  demuxSuite,
  packetizeSuite,
  fmp4Suite,
  ingestSuite,
  webrtcSuite,
  latencySuite,
  sipSuite,
  voiceSuite,
  eventsSuite,
  recordingSuite,
];
