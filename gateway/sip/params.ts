// SipParams: the ";name=value" parameter lists of URIs, Via and name-addr headers (RFC 3261
// §19.1.1, §20.42, §25.1 generic-param). Ordered, names compared case-insensitively, spelling kept.

export interface SipParam {
  name: string;
  /** null for a flag parameter without '=' (";lr", ";rport"). */
  value: string | null;
}

export class SipParams implements Iterable<SipParam> {
  readonly #list: SipParam[] = [];

  constructor(init?: Iterable<readonly [string, string | null]>) {
    if (init) {
      for (const [name, value] of init) {
        this.#list.push({ name, value });
      }
    }
  }

  /**
   * Parse ";a=b;c;d=\"q;x\"" (leading ';' optional). Semicolons inside quoted strings do not split.
   * Never throws: a piece without a name is skipped.
   */
  static parse(text: string): SipParams {
    const params = new SipParams();
    for (const piece of splitOutsideQuotes(text, ';')) {
      const eq = piece.indexOf('=');
      const name = (eq < 0 ? piece : piece.slice(0, eq)).trim();
      if (!name) {
        continue;
      }
      params.#list.push({ name, value: eq < 0 ? null : piece.slice(eq + 1).trim() });
    }
    return params;
  }

  get size(): number {
    return this.#list.length;
  }

  [Symbol.iterator](): Iterator<SipParam> {
    return this.#list[Symbol.iterator]();
  }

  has(name: string): boolean {
    return this.#find(name) >= 0;
  }

  /** undefined: absent; null: present without a value. */
  get(name: string): string | null | undefined {
    const i = this.#find(name);
    return i < 0 ? undefined : this.#list[i].value;
  }

  /**
   * Set in place when present (keeping its position), else insert after `opts.after` when that
   * parameter exists, else append.
   */
  set(name: string, value: string | null, opts?: { after?: string }): this {
    const i = this.#find(name);
    if (i >= 0) {
      this.#list[i] = { name: this.#list[i].name, value };
      return this;
    }
    const anchor = opts?.after !== undefined ? this.#find(opts.after) : -1;
    if (anchor >= 0) {
      this.#list.splice(anchor + 1, 0, { name, value });
    } else {
      this.#list.push({ name, value });
    }
    return this;
  }

  delete(name: string): boolean {
    const i = this.#find(name);
    if (i < 0) {
      return false;
    }
    this.#list.splice(i, 1);
    return true;
  }

  clone(): SipParams {
    return new SipParams(this.#list.map((p) => [p.name, p.value] as const));
  }

  /** ";a=b;c" (empty string when there are none). */
  toString(): string {
    return this.#list.map((p) => (p.value === null ? `;${p.name}` : `;${p.name}=${p.value}`)).join('');
  }

  #find(name: string): number {
    const lower = name.toLowerCase();
    return this.#list.findIndex((p) => p.name.toLowerCase() === lower);
  }
}

/** Split at `sep` outside double-quoted strings (with backslash escapes, RFC 3261 §25.1 quoted-pair). */
export function splitOutsideQuotes(text: string, sep: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '\\') {
        i++;
      } else if (ch === '"') {
        inQuotes = false;
      }
    } else if (ch === '"') {
      inQuotes = true;
    } else if (ch === sep) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** Remove surrounding double quotes and undo backslash escapes; other text is returned trimmed. */
export function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    return t.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return t;
}

/** Quote a string for a quoted-string production, escaping '"' and '\'. */
export function quote(text: string): string {
  return `"${text.replace(/(["\\])/g, '\\$1')}"`;
}
