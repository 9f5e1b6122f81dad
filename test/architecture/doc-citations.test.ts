// Citations in comments and docs resolve in a fresh clone (issue #13). Code cites the notes in
// docs/ as `docs/<name>.md §N` (optionally `§N "Label"`, `§11 quirk N`, `§13 trap N`,
// `§2.4 pitfall N`, and lists such as `§7.3, §11 #11` or ranges such as `§3-§6`); each cited
// section must be a numbered heading of that document, each label a bold lead-in of that
// section, each quirk, trap or pitfall a numbered item of it. Nothing may cite the notes that
// used to live outside the repository (../shared/*.md: the protocol reference, style.md,
// contracts.md, webrtc-hls-notes.md) or any /work/shared path; the shared PS/RTP vectors that
// tests read at run time from ../shared/vectors stay allowed. Every docs/*.md named anywhere
// exists, and so does every repository path written in backticks in docs/*.md.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/paths.js';

export interface Citation {
  /** The cited document's name under docs/, without `.md`: 'gb28181', 'browser-notes'. */
  doc: string;
  /** 1-based line of the `§` in the scanned text. */
  line: number;
  /** Section number as written: '7', '7.3'. */
  section: string;
  /** A quoted label after the section: `§0 "Robust XML"`. */
  label?: string;
  /** A numbered item after the section: `§11 quirk 11`, `§13 trap 6`, `§13 #4`, `§2.4 pitfall 5`. */
  item?: number;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
  }
  return line;
}

/** Names of the documents under docs/ (without `.md`). */
const DOC_NAMES: readonly string[] = readdirSync(join(repoRoot, 'docs'))
  .filter((n) => n.endsWith('.md'))
  .map((n) => n.slice(0, -3));

const START = /(?<![\w/.-])(docs\/)?([\w-]+)\.md\s+(?=§\d)/g;
const TOKEN = /§(\d+(?:\.\d+)*)(?: "([^"\n]+)")?(?: (?:quirk|trap|item|pitfall) #?(\d+)| #(\d+))?/y;
const RANGE_END = /[-–]§?(\d+(?:\.\d+)*)/y;
// `, ` `and` `then` `or` `/`, and a comma that ends a comment line: `§3.2,` ⏎ `// §6`.
const SEPARATOR = /(?:,[ \t]*\n[ \t]*(?:\/\/|\*|#)?[ \t]*|, | and | then | or |\/)(?=§\d)/y;

/**
 * Every section cited as `docs/<name>.md §…` in `text`, lists and ranges expanded. Without the
 * `docs/` prefix (`gb28181.md §3`) only the names in `bare` count: `style.md §8` is not ours.
 */
export function findCitations(text: string, bare: readonly string[] = DOC_NAMES): Citation[] {
  const out: Citation[] = [];
  for (const start of text.matchAll(START)) {
    const doc = start[2];
    if (start[1] === undefined && !bare.includes(doc)) {
      continue;
    }
    let at = start.index + start[0].length;
    for (;;) {
      TOKEN.lastIndex = at;
      const m = TOKEN.exec(text);
      if (!m) {
        break;
      }
      const item = m[3] ?? m[4];
      out.push({
        doc,
        line: lineAt(text, at),
        section: m[1],
        ...(m[2] !== undefined && { label: m[2] }),
        ...(item !== undefined && { item: Number(item) }),
      });
      at = TOKEN.lastIndex;
      RANGE_END.lastIndex = at;
      const range = RANGE_END.exec(text);
      if (range) {
        out.push({ doc, line: lineAt(text, at), section: range[1] });
        at = RANGE_END.lastIndex;
      }
      SEPARATOR.lastIndex = at;
      if (!SEPARATOR.exec(text)) {
        break;
      }
      at = SEPARATOR.lastIndex;
    }
  }
  return out;
}

// The notes that lived beside the repository (../shared/*.md, /work/shared) and what replaced
// them. Each pattern finds one way of citing them; a line is reported once.
export const OUTSIDE: readonly { pattern: RegExp; instead: string }[] = [
  {
    // `reference §7.2`, `Reference §2`, `the reference's §7.1`, `gb28181-reference §10.1`, and
    // the same split over a comment line break (`reference` ⏎ `// §3.5`); any mention of the file.
    pattern:
      /\b(?:[Rr]eference(?:'s)?|gb28181-reference(?:\.md)?)(?:[ \t]*\n[ \t]*(?:\/\/|\*|<!--)?)?[ \t]*\(?§\d|gb28181-reference/g,
    instead: 'docs/gb28181.md §N (same section numbers)',
  },
  { pattern: /webrtc-hls-notes/g, instead: 'docs/browser-notes.md §N (same section numbers)' },
  { pattern: /(?<![\w/.-])style\.md\b/g, instead: 'docs/architecture.md §N or docs/testing.md §N' },
  { pattern: /(?<![\w/.-])contracts\.md\b/g, instead: 'docs/api.md §N or the route file' },
  // Any path into the shared folder except the vectors, which tests read at run time.
  {
    pattern: /\/work\/shared\b|\.\.\/shared\/(?!vectors\b)|(?<![\w/.-])shared\/[\w.-]+\.md\b/g,
    instead: 'a page under docs/ (only ../shared/vectors may be named)',
  },
];

/** 1-based lines of `text` that cite notes outside the repository, with what to cite instead. */
export function findOutsideReferences(text: string): { line: number; instead: string }[] {
  const byLine = new Map<number, string>();
  for (const { pattern, instead } of OUTSIDE) {
    for (const m of text.matchAll(pattern)) {
      const line = lineAt(text, m.index);
      if (!byLine.has(line)) {
        byLine.set(line, instead);
      }
    }
  }
  return [...byLine].sort((a, b) => a[0] - b[0]).map(([line, instead]) => ({ line, instead }));
}

/** 1-based lines of `text` that still cite the out-of-repo protocol reference. */
export function findStaleReferences(text: string): number[] {
  return findOutsideReferences(text)
    .filter((r) => r.instead === OUTSIDE[0].instead)
    .map((r) => r.line);
}

/** Section number → its text (heading included, subsections included) in a markdown document. */
export function docSections(markdown: string, name = 'gb28181'): Map<string, string> {
  const headings = [...markdown.matchAll(/^(#{2,4}) (\d+(?:\.\d+)*)\.?\s/gm)];
  const sections = new Map<string, string>();
  headings.forEach((h, i) => {
    const depth = h[1].length;
    const end = headings.slice(i + 1).find((next) => next[1].length <= depth);
    assert.ok(!sections.has(h[2]), `docs/${name}.md has two headings numbered ${h[2]}`);
    sections.set(h[2], markdown.slice(h.index, end?.index));
  });
  return sections;
}

/** Document name → its sections, read on first use. */
export type DocIndex = (name: string) => Map<string, string> | undefined;

/** What is wrong with one citation, or undefined when it resolves. */
export function checkCitation(docs: DocIndex, c: Citation): string | undefined {
  const sections = docs(c.doc);
  if (sections === undefined) {
    return `docs/${c.doc}.md does not exist`;
  }
  const body = sections.get(c.section);
  if (body === undefined) {
    return `§${c.section} is not a heading of docs/${c.doc}.md`;
  }
  if (c.label !== undefined && !body.includes(`**${c.label}`)) {
    return `§${c.section} has no bold lead-in "${c.label}"`;
  }
  if (c.item !== undefined && !new RegExp(`^(?:\\| *${c.item} *\\||${c.item}\\. )`, 'm').test(body)) {
    return `§${c.section} has no item ${c.item}`;
  }
  return undefined;
}

const SCANNED = [
  'gateway',
  'codecs',
  'simulator',
  'bench',
  'test',
  'docs',
  'scripts',
  'web-demo',
  'deploy',
  'README.md',
  'eslint.config.js',
  'Dockerfile',
  '.ci/run',
];
const SKIPPED_DIRS = new Set(['node_modules', 'dist']);
/** Generated output, not written by hand. */
const SKIPPED_PATHS = new Set(['bench/results']);
const TEXT_FILE = /\.(?:ts|mjs|js|md|xml|sh|ya?ml|html|css)$/;
/** This file plants bad citations in strings on purpose. */
const SELF = 'test/architecture/doc-citations.test.ts';

function walk(path: string, out: string[] = []): string[] {
  if (!statSync(path).isDirectory()) {
    out.push(path);
    return out;
  }
  for (const name of readdirSync(path)) {
    const full = join(path, name);
    if (statSync(full).isDirectory()) {
      if (!SKIPPED_DIRS.has(name) && !SKIPPED_PATHS.has(relative(repoRoot, full))) {
        walk(full, out);
      }
    } else if (TEXT_FILE.test(name)) {
      out.push(full);
    }
  }
  return out;
}

const files = SCANNED.filter((p) => existsSync(join(repoRoot, p)))
  .flatMap((p) => walk(join(repoRoot, p)))
  .map((full) => ({ path: relative(repoRoot, full), text: readFileSync(full, 'utf8') }))
  .filter((f) => f.path !== SELF);

const docCache = new Map<string, Map<string, string> | undefined>();
const docs: DocIndex = (name) => {
  if (!docCache.has(name)) {
    const path = join(repoRoot, 'docs', `${name}.md`);
    docCache.set(name, existsSync(path) ? docSections(readFileSync(path, 'utf8'), name) : undefined);
  }
  return docCache.get(name);
};
const sections = docs('gb28181')!;
const browserNotes = docs('browser-notes')!;

const BARE = ['gb28181', 'browser-notes'];

test('the citation matcher reads lists, ranges, labels and numbered items', () => {
  const found = findCitations(
    [
      '// see docs/gb28181.md §7.3, §11 quirk 11, §13 #6; ZLM #2247',
      '// (docs/gb28181.md §0 "Robust XML", §1.4 and §3-§6) and gb28181.md §3.1-3.5.',
      '// RFC 3261 §10.2 and docs/gb28181.md §7.4. Not a citation: §9.',
      '// One page (GB/T 28181-2016 Annex N; docs/gb28181.md §3.2,', // 4
      '// §6): both directions. WebRTC (docs/browser-notes.md §2.4 pitfall 5, §3).', // 5
      '// docs/architecture.md §5 "Units"; style.md §8.2 and mydocs/gb28181.md §1 are not ours.', // 6
    ].join('\n'),
    BARE,
  );
  assert.deepEqual(found, [
    { doc: 'gb28181', line: 1, section: '7.3' },
    { doc: 'gb28181', line: 1, section: '11', item: 11 },
    { doc: 'gb28181', line: 1, section: '13', item: 6 },
    { doc: 'gb28181', line: 2, section: '0', label: 'Robust XML' },
    { doc: 'gb28181', line: 2, section: '1.4' },
    { doc: 'gb28181', line: 2, section: '3' },
    { doc: 'gb28181', line: 2, section: '6' },
    { doc: 'gb28181', line: 2, section: '3.1' },
    { doc: 'gb28181', line: 2, section: '3.5' },
    { doc: 'gb28181', line: 3, section: '7.4' },
    { doc: 'gb28181', line: 4, section: '3.2' },
    { doc: 'gb28181', line: 5, section: '6' },
    { doc: 'browser-notes', line: 5, section: '2.4', item: 5 },
    { doc: 'browser-notes', line: 5, section: '3' },
    { doc: 'architecture', line: 6, section: '5', label: 'Units' },
  ]);
});

test('the checker finds a planted bad citation: missing document, section, label or item', () => {
  const planted = findCitations(
    [
      '// docs/gb28181.md §7.2, §7.9, §0 "Robust XML", §0 "No such rule", §11 quirk 22, §11 quirk 99, §13 trap 7',
      '// docs/browser-notes.md §2.4 pitfall 11, §2.4 pitfall 12, §1, §2.5, §4.3',
      '// docs/architecture.md §5 "Units", §5 "Speed", §9; docs/no-such-notes.md §1',
    ].join('\n'),
    BARE,
  );
  assert.deepEqual(
    planted.map((c) => checkCitation(docs, c)),
    [
      undefined,
      '§7.9 is not a heading of docs/gb28181.md',
      undefined,
      '§0 has no bold lead-in "No such rule"',
      undefined,
      '§11 has no item 99',
      undefined,
      undefined,
      '§2.4 has no item 12',
      undefined,
      '§2.5 is not a heading of docs/browser-notes.md',
      undefined,
      undefined,
      '§5 has no bold lead-in "Speed"',
      '§9 is not a heading of docs/architecture.md',
      'docs/no-such-notes.md does not exist',
    ],
  );
});

test('the stale-reference matcher finds every old form, across a comment line break too', () => {
  const text = [
    '// Fault (reference §10.1, §13 #6).', // 1
    '/** Reference §2 Keepalive notify. */', // 2
    "// The reference's §7.1 live offer.", // 3
    '// binds the port (field note, gb28181-reference §7.2)', // 4
    '// Catalog changes (GB/T 28181-2016 §9.11; reference', // 5
    '// §3.5): accepted.', // 6
    '// taken from /work/shared/gb28181-reference.md verbatim', // 7
    '// RFC 3261 §10.2; the reference REGISTER; docs/gb28181.md §7.2', // 8
  ].join('\n');
  assert.deepEqual(findStaleReferences(text), [1, 2, 3, 4, 5, 7]);
});

test('the outside-notes matcher finds every shared/ citation and lets the vectors through', () => {
  const text = [
    '// (webrtc-hls-notes §2.4 pitfall 3)', // 1
    '// see ../shared/webrtc-hls-notes.md', // 2
    '// The stream hub (style.md §8.2, rule 4)', // 3
    '// Flag names are a contract (shared/contracts.md).', // 4
    '// public HTTP API (contracts.md)', // 5
    "const notes = '/work/shared/notes.txt';", // 6
    '`../shared/style.md` and ../shared/anything-else', // 7
    '// Acceptance over the shared vectors (../shared/vectors/manifest.json)', // 8
    "export const vectorsDir = resolve(repoRoot, '..', 'shared', 'vectors');", // 9
    '# CI entry point: runs on a clean clone with ../shared beside it.', // 10
    '// docs/browser-notes.md §1, docs/architecture.md §3, docs/testing.md §5, docs/api.md §4', // 11
    '// the PS vectors in `../shared/vectors/` (or GB_VECTORS_DIR); a shared style; mystyle.md', // 12
    '// what the bench result said: the machine was shared/idle', // 13
  ].join('\n');
  assert.deepEqual(
    findOutsideReferences(text).map((r) => r.line),
    [1, 2, 3, 4, 5, 6, 7],
  );
  assert.match(findOutsideReferences(text)[0].instead, /docs\/browser-notes\.md/);
});

test('the scan sees the citations (in their old or their new form)', () => {
  const seen = files.reduce(
    (n, f) => n + findCitations(f.text).length + findOutsideReferences(f.text).length,
    0,
  );
  assert.ok(seen > 150, `only ${seen} citations found in ${files.length} files`);
});

test('no comment or doc cites notes outside the repository (issue #13)', () => {
  const outside = files.flatMap((f) =>
    findOutsideReferences(f.text).map((r) => `${f.path}:${r.line}: cite ${r.instead}`),
  );
  assert.ok(
    outside.length === 0,
    `${outside.length} lines cite ../shared/*.md or /work/shared, which a fresh clone lacks:\n` +
      outside.join('\n'),
  );
});

test('every docs/<name>.md §N citation names a document, section, label or item that exists', () => {
  const bad = files.flatMap((f) =>
    findCitations(f.text).flatMap((c) => {
      const problem = checkCitation(docs, c);
      return problem === undefined ? [] : [`${f.path}:${c.line}: ${problem}`];
    }),
  );
  assert.ok(bad.length === 0, `${bad.length} citations do not resolve:\n${bad.join('\n')}`);
});

test('every docs/*.md named in code or docs exists', () => {
  const missing = files.flatMap((f) =>
    [...f.text.matchAll(/\bdocs\/[\w.-]+\.md\b/g)]
      .filter((m) => !existsSync(join(repoRoot, m[0])))
      .map((m) => `${f.path}:${lineAt(f.text, m.index)}: ${m[0]}`),
  );
  assert.deepEqual(missing, []);
});

test('every repository path written in backticks in docs/*.md exists', () => {
  const root = /^(?:gateway|codecs|simulator|bench|test|docs|scripts|web-demo|deploy)\//;
  const missing = files
    .filter((f) => f.path.startsWith('docs/'))
    .flatMap((f) =>
      [...f.text.matchAll(/`([^`\s]+)`/g)]
        .filter((m) => root.test(m[1]) && !/[{*]/.test(m[1]))
        .filter((m) => !existsSync(join(repoRoot, m[1])))
        .map((m) => `${f.path}:${lineAt(f.text, m.index)}: ${m[1]}`),
    );
  assert.deepEqual(missing, []);
});

test('docs/gb28181.md keeps its numbering: sections 0-14, quirks 1-22 and traps 1-12 in order', () => {
  for (let n = 0; n <= 14; n++) {
    assert.ok(sections.has(String(n)), `§${n} missing`);
  }
  const quirks = [...(sections.get('11') ?? '').matchAll(/^\| *(\d+) *\|/gm)].map((m) => Number(m[1]));
  assert.deepEqual(
    quirks,
    Array.from({ length: quirks.length }, (_, i) => i + 1),
  );
  assert.ok(quirks.length >= 22, `${quirks.length} quirks`);
  const traps = [...(sections.get('13') ?? '').matchAll(/^(\d+)\. /gm)].map((m) => Number(m[1]));
  assert.deepEqual(
    traps,
    Array.from({ length: traps.length }, (_, i) => i + 1),
  );
  assert.ok(traps.length >= 12, `${traps.length} traps`);
});

test('docs/browser-notes.md keeps its numbering: sections 0-6, their subsections, pitfalls 1-11', () => {
  for (const n of ['0', '1', '2', '2.1', '2.2', '2.3', '2.4', '3', '4', '4.1', '4.2', '4.3', '5', '6']) {
    assert.ok(browserNotes.has(n), `§${n} missing`);
  }
  const pitfalls = [...(browserNotes.get('2.4') ?? '').matchAll(/^(\d+)\. /gm)].map((m) => Number(m[1]));
  assert.deepEqual(
    pitfalls,
    Array.from({ length: 11 }, (_, i) => i + 1),
  );
});
