// The shapes of bench/results/*.json: one run (RunFile) and the newest result of every suite
// (LatestFile). Read by the report writer, the Markdown renderer and the comparison.
import type { MachineInfo } from '../machine.js';
import type { SuiteResult } from '../suite.js';

export interface StoredSuite extends SuiteResult {
  machine: MachineInfo;
}

export interface RunFile {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  argv: string[];
  machine: MachineInfo;
  suites: StoredSuite[];
}

export interface LatestFile {
  schema: 1;
  updatedAt: string;
  suites: StoredSuite[];
}
