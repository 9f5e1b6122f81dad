// The README's performance table is a copy of the headline table at the top of
// bench/results/latest.md. A bench run that writes results rewrites the README's copy, so the two
// cannot drift apart; readme-table.test.ts checks that they agree.
import { readFileSync, writeFileSync } from 'node:fs';

/** Where the headline table (`| Figure |` … its machine footnotes) sits in a Markdown text. */
export function headlineTableSpan(markdown: string): { start: number; end: number } | undefined {
  const start = markdown.indexOf('| Figure |');
  if (start < 0) {
    return undefined;
  }
  const footnote = markdown.indexOf('\n[1] ', start);
  if (footnote < 0) {
    return undefined;
  }
  // Footnotes run until the first blank line.
  const blank = markdown.indexOf('\n\n', footnote + 1);
  return { start, end: blank < 0 ? markdown.length : blank };
}

/** The headline table with its footnotes, or undefined when the text has none. */
export function headlineTableOf(markdown: string): string | undefined {
  const span = headlineTableSpan(markdown);
  return span && markdown.slice(span.start, span.end);
}

/** Puts latest.md's headline table in place of the README's; false when either has none. */
export function syncReadmeTable(readmePath: string, latestMarkdown: string): boolean {
  const table = headlineTableOf(latestMarkdown);
  const readme = readFileSync(readmePath, 'utf8');
  const span = headlineTableSpan(readme);
  if (!table || !span) {
    return false;
  }
  writeFileSync(readmePath, readme.slice(0, span.start) + table + readme.slice(span.end));
  return true;
}
