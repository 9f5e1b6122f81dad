// The import graph of gateway/ stays a one-way street (README "Architecture"): media flows
// ingest → hub → outputs, signaling sits above the media side and never on its path, and no
// module imports a layer above its own. Checked on the compiled output (what runs) and on the
// sources (type-only imports vanish from the output but still tie layers together).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/paths.js';

/** The layer of a file under gateway/ (path relative to gateway/, without extension). */
function layerOf(file: string): string {
  const parts = file.split('/');
  if (parts.length === 1) {
    const name = parts[0];
    return CONFIG_FILES.has(name) ? 'config' : TOP_FILES.has(name) ? 'composition' : 'core';
  }
  if (parts[0] === 'gb28181') {
    return parts.length === 2 || parts[1] === 'fixtures' ? 'gb28181' : `gb28181/${parts[1]}`;
  }
  return parts[0];
}

/** Files at gateway/ top that assemble the process; the rest of the top is the core. */
const TOP_FILES = new Set(['main', 'cli', 'demo']);
/** The typed configuration (flags, environment, file) and its --help text. */
const CONFIG_FILES = new Set(['config', 'config-help']);

/** Layer → the layers it may import (besides itself). Read bottom-up. */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  store: ['core'],
  views: ['core', 'store'],
  config: ['core', 'store', 'views'],
  sip: ['core'],
  hub: ['core'],
  ingest: ['core'],
  outputs: ['core', 'hub'],
  outbound: ['core'],
  // Voice: a source that flows toward devices (WHIP in, device legs out); media only, no SIP.
  talk: ['core', 'outbound', 'outputs'],
  // The events domain (docs/events.md): bus, SSE feed, webhooks, retention; fed by the upper
  // platform through views/events.ts, never importing SIP or GB28181.
  events: ['core', 'store', 'views'],
  // Per-domain Prometheus series (prom-client stays under gateway/metrics*).
  metrics: ['core', 'views'],
  // Cloud recording (docs/recording.md): plans, files, index, retention; the sinks it attaches
  // are in outputs/recorder.
  recording: ['core', 'store', 'views', 'hub', 'outputs'],
  'media-plane': ['core', 'store', 'views', 'hub', 'ingest', 'outputs'],
  gb28181: ['core', 'sip'],
  'gb28181/manscdp': ['core', 'gb28181'],
  'gb28181/sdp': ['core', 'gb28181'],
  'gb28181/lower': ['core', 'sip', 'gb28181', 'gb28181/manscdp', 'gb28181/sdp', 'hub', 'outbound', 'talk'],
  'gb28181/upper': [
    'core',
    'sip',
    'store',
    'views',
    'gb28181',
    'gb28181/manscdp',
    'gb28181/sdp',
    'hub',
    'ingest',
    'media-plane',
    'talk',
  ],
  'gb28181/cascade': [
    'core',
    'sip',
    'store',
    'views',
    'gb28181',
    'gb28181/manscdp',
    'gb28181/sdp',
    'gb28181/lower',
    'hub',
    'outbound',
    'talk',
  ],
  api: ['core', 'store', 'views', 'hub', 'outputs', 'talk'],
  cluster: [
    'core',
    'store',
    'views',
    // A media node's copy of the event stream replays like the bus (events/replay.ts), and
    // counts its SSE clients with the events metrics.
    'events',
    'metrics',
    'sip',
    'hub',
    'ingest',
    'outputs',
    'media-plane',
    'gb28181',
    'gb28181/manscdp',
    'gb28181/sdp',
    'gb28181/upper',
    'api',
    'config',
  ],
  composition: ['*'],
};

interface Edge {
  from: string;
  to: string;
}

function walk(dir: string, ext: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      walk(full, ext, out);
    } else if (name.endsWith(ext) && !name.endsWith(`.test${ext}`) && !name.endsWith(`.d${ext}`)) {
      out.push(full);
    }
  }
  return out;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)(?:\s+type)?[^'";]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** Relative imports between files under `root`, as paths relative to it without extension. */
function edges(root: string, ext: string): Edge[] {
  const out: Edge[] = [];
  for (const file of walk(root, ext)) {
    const from = relative(root, file).replace(/\.[^.]+$/, '');
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = m[1] ?? m[2];
      const target = relative(root, resolve(dirname(file), spec)).replace(/\.[^.]+$/, '');
      if (!target.startsWith('..')) {
        out.push({ from, to: target });
      }
    }
  }
  return out;
}

function layerViolations(list: Edge[]): string[] {
  const bad: string[] = [];
  for (const { from, to } of list) {
    const a = layerOf(from);
    const b = layerOf(to);
    const allowed = ALLOWED[a];
    assert.ok(allowed, `no layer rule for ${a} (${from}): add it to ALLOWED`);
    if (a !== b && !allowed.includes('*') && !allowed.includes(b)) {
      bad.push(`${from} (${a}) imports ${to} (${b})`);
    }
  }
  return bad;
}

/** Every cycle's files, found by a depth-first search over the file graph. */
function cycles(list: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of list) {
    next.set(from, [...(next.get(from) ?? []), to]);
  }
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const to of next.get(node) ?? []) {
      if (state.get(to) === 'open') {
        found.push(stack.slice(stack.indexOf(to)).concat(to));
      } else if (!state.has(to)) {
        visit(to);
      }
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of next.keys()) {
    if (!state.has(node)) {
      visit(node);
    }
  }
  return found;
}

const compiled = edges(join(repoRoot, 'dist', 'gateway'), '.js');
const sources = edges(join(repoRoot, 'gateway'), '.ts');

test('the layer rules see the whole of gateway/ (the graph is not empty, every layer has a rule)', () => {
  assert.ok(compiled.length > 300, `only ${compiled.length} imports found in dist/gateway`);
  for (const { from } of sources) {
    assert.ok(ALLOWED[layerOf(from)], `no layer rule for ${from}`);
  }
});

test('no module of gateway/ imports a layer above its own (compiled output)', () => {
  assert.deepEqual(layerViolations(compiled), []);
});

test('no module of gateway/ imports a layer above its own, type-only imports included (sources)', () => {
  assert.deepEqual(layerViolations(sources), []);
});

test('the media path never enters signaling: ingest, hub, outputs and media-plane import nothing of sip/ or gb28181/', () => {
  const media = new Set(['hub', 'ingest', 'outputs', 'outbound', 'talk', 'media-plane']);
  const bad = sources.filter((e) => media.has(layerOf(e.from)) && /^(sip|gb28181)\//.test(e.to));
  assert.deepEqual(bad, []);
});

for (const [name, dir, ext] of [
  ['gateway/ (compiled)', join(repoRoot, 'dist', 'gateway'), '.js'],
  ['gateway/ (sources, type imports included)', join(repoRoot, 'gateway'), '.ts'],
  ['bench/', join(repoRoot, 'bench'), '.ts'],
  ['simulator/', join(repoRoot, 'simulator'), '.ts'],
  ['codecs/', join(repoRoot, 'codecs'), '.ts'],
] as const) {
  test(`no import loops in ${name}`, () => {
    assert.deepEqual(cycles(edges(dir, ext)), []);
  });
}

test('the checker finds a loop and an upward import when there is one', () => {
  assert.deepEqual(
    cycles([
      { from: 'a', to: 'b' },
      { from: 'b', to: 'a' },
    ]),
    [['a', 'b', 'a']],
  );
  assert.deepEqual(layerViolations([{ from: 'hub/stream', to: 'gb28181/upper/plays' }]), [
    'hub/stream (hub) imports gb28181/upper/plays (gb28181/upper)',
  ]);
});
