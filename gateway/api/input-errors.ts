// One sentence for a request zod rejected: where, which field, and what would be accepted. For a
// union (PTZ: a move command or a preset), the branch the input came closest to (fewest issues)
// explains it, so an unknown command is answered with the commands the schema allows; nothing
// here names a command, so the list follows the schema.
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** The issue that says most about the input, with its full path. */
function closest(issue: Issue, prefix: readonly PropertyKey[] = []): { issue: Issue; path: PropertyKey[] } {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const branch = issue.errors.reduce((best, b) => (b.length < best.length ? b : best));
    if (branch[0]) {
      return closest(branch[0], path);
    }
  }
  return { issue, path };
}

export function inputError(where: string, issues: readonly Issue[]): string {
  const first = issues[0];
  if (!first) {
    return `${where}: invalid`;
  }
  const { issue, path } = closest(first);
  const field = path.map(String).join('.') || where;
  return `${where} ${field}: ${issue.message}`;
}
