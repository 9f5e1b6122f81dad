// Citations in comments and docs resolve in a fresh clone (issue #13). Code cites the protocol
// notes as `docs/gb28181.md §N` (optionally `§N "Label"`, `§11 quirk N`, `§13 trap N`, and lists
// such as `§7.3, §11 #11` or ranges such as `§3-§6`); each cited section must be a heading of
// docs/gb28181.md, each label a bold lead-in of that section, each quirk or trap a numbered item
// of it. The protocol reference that used to live outside the repository (`reference §N`,
// gb28181-reference.md) must not be cited any more. Every docs/*.md named anywhere exists, and so
// does every repository path written in backticks in docs/*.md.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/paths.js';

export interface Citation {
  /** 1-based line of the `§` in the scanned text. */
  line: number;
  /** Section number as written: '7', '7.3'. */
  section: string;
  /** A quoted label after the section: `§0 "Robust XML"`. */
  label?: string;
  /** A numbered item after the section: `§11 quirk 11`, `§13 trap 6`, `§13 #4`. */
  item?: number;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
  }
  return line;
}

const START = /\bgb28181\.md\s+(?=§\d)/g;
const TOKEN = /§(\d+(?:\.\d+)*)(?: "([^"\n]+)")?(?: (?:quirk|trap|item) #?(\d+)| #(\d+))?/y;
const RANGE_END = /[-–]§?(\d+(?:\.\d+)*)/y;
const SEPARATOR = /(?:, | and | then | or |\/)(?=§\d)/y;

/** Every section cited as `gb28181.md §…` in `text`, lists and ranges expanded. */
export function findCitations(text: string): Citation[] {
  const out: Citation[] = [];
  for (const start of text.matchAll(START)) {
    let at = start.index + start[0].length;
    for (;;) {
      TOKEN.lastIndex = at;
      const m = TOKEN.exec(text);
      if (!m) {
        break;
      }
      const item = m[3] ?? m[4];
      out.push({
        line: lineAt(text, at),
        section: m[1],
        ...(m[2] !== undefined && { label: m[2] }),
        ...(item !== undefined && { item: Number(item) }),
      });
      at = TOKEN.lastIndex;
      RANGE_END.lastIndex = at;
      const range = RANGE_END.exec(text);
      if (range) {
        out.push({ line: lineAt(text, at), section: range[1] });
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

// `reference §7.2`, `Reference §2`, `the reference's §7.1`, `gb28181-reference §10.1`, and the
// same split over a comment line break (`reference` ⏎ `// §3.5`); any mention of the file name.
const STALE =
  /\b(?:[Rr]eference(?:'s)?|gb28181-reference(?:\.md)?)(?:[ \t]*\n[ \t]*(?:\/\/|\*|<!--)?)?[ \t]*\(?§\d|gb28181-reference/g;

/** 1-based lines of `text` that still cite the out-of-repo protocol reference. */
export function findStaleReferences(text: string): number[] {
  return [...new Set([...text.matchAll(STALE)].map((m) => lineAt(text, m.index)))];
}

/** Section number → its text (heading included, subsections included) in a markdown document. */
export function docSections(markdown: string): Map<string, string> {
  const headings = [...markdown.matchAll(/^(#{2,4}) (\d+(?:\.\d+)*)\.?\s/gm)];
  const sections = new Map<string, string>();
  headings.forEach((h, i) => {
    const depth = h[1].length;
    const end = headings.slice(i + 1).find((next) => next[1].length <= depth);
    assert.ok(!sections.has(h[2]), `docs/gb28181.md has two headings numbered ${h[2]}`);
    sections.set(h[2], markdown.slice(h.index, end?.index));
  });
  return sections;
}

/** What is wrong with one citation, or undefined when it resolves. */
export function checkCitation(sections: Map<string, string>, c: Citation): string | undefined {
  const body = sections.get(c.section);
  if (body === undefined) {
    return `§${c.section} is not a heading of docs/gb28181.md`;
  }
  if (c.label !== undefined && !body.includes(`**${c.label}`)) {
    return `§${c.section} has no bold lead-in "${c.label}"`;
  }
  if (c.item !== undefined && !new RegExp(`^(?:\\| *${c.item} *\\||${c.item}\\. )`, 'm').test(body)) {
    return `§${c.section} has no item ${c.item}`;
  }
  return undefined;
}

const SCANNED = ['gateway', 'codecs', 'simulator', 'bench', 'test', 'docs', 'scripts', 'README.md'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist']);
/** Generated output, not written by hand. */
const SKIPPED_PATHS = new Set(['bench/results']);
const TEXT_FILE = /\.(?:ts|mjs|js|md|xml|sh|ya?ml)$/;
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

const files = SCANNED.flatMap((p) => walk(join(repoRoot, p)))
  .map((full) => ({ path: relative(repoRoot, full), text: readFileSync(full, 'utf8') }))
  .filter((f) => f.path !== SELF);
const notes = readFileSync(join(repoRoot, 'docs', 'gb28181.md'), 'utf8');
const sections = docSections(notes);

test('the citation matcher reads lists, ranges, labels and numbered items', () => {
  const found = findCitations(
    [
      '// see docs/gb28181.md §7.3, §11 quirk 11, §13 #6; ZLM #2247',
      '// (docs/gb28181.md §0 "Robust XML", §1.4 and §3-§6) and gb28181.md §3.1-3.5.',
      '// RFC 3261 §10.2 and docs/gb28181.md §7.4. Not a citation: §9.',
    ].join('\n'),
  );
  assert.deepEqual(found, [
    { line: 1, section: '7.3' },
    { line: 1, section: '11', item: 11 },
    { line: 1, section: '13', item: 6 },
    { line: 2, section: '0', label: 'Robust XML' },
    { line: 2, section: '1.4' },
    { line: 2, section: '3' },
    { line: 2, section: '6' },
    { line: 2, section: '3.1' },
    { line: 2, section: '3.5' },
    { line: 3, section: '7.4' },
  ]);
});

test('the checker finds a planted bad citation: missing section, label or item', () => {
  const planted = findCitations(
    '// docs/gb28181.md §7.2, §7.9, §0 "Robust XML", §0 "No such rule", §11 quirk 22, §11 quirk 99, §13 trap 7',
  );
  assert.deepEqual(
    planted.map((c) => checkCitation(sections, c)),
    [
      undefined,
      '§7.9 is not a heading of docs/gb28181.md',
      undefined,
      '§0 has no bold lead-in "No such rule"',
      undefined,
      '§11 has no item 99',
      undefined,
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

test('the scan sees the citations (in their old or their new form)', () => {
  const seen = files.reduce(
    (n, f) => n + findCitations(f.text).length + findStaleReferences(f.text).length,
    0,
  );
  assert.ok(seen > 150, `only ${seen} citations found in ${files.length} files`);
});

test('no comment or doc cites the protocol reference outside the repository (issue #13)', () => {
  const stale = files.flatMap((f) => findStaleReferences(f.text).map((line) => `${f.path}:${line}`));
  assert.ok(
    stale.length === 0,
    `${stale.length} lines cite ../shared/gb28181-reference.md, which a fresh clone lacks; ` +
      `cite docs/gb28181.md §N instead (same section numbers):\n${stale.join('\n')}`,
  );
});

test('every docs/gb28181.md citation names a section, label, quirk or trap that exists', () => {
  const bad = files.flatMap((f) =>
    findCitations(f.text).flatMap((c) => {
      const problem = checkCitation(sections, c);
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
