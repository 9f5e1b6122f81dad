// Tolerant, bounded XML for MANSCDP bodies (GB/T 28181-2016 §A; docs/gb28181.md §0 "Robust XML",
// §11 quirk 2): parse into a small element tree with every value kept as a string, and write
// the one-element-per-line shape of the reference examples.
//
// Parsing never throws. Order of work:
//   1. size cap (default 64 KiB), strip BOM and leading whitespace;
//   2. refuse DOCTYPE/ENTITY outright: no entity expansion, no billion laughs;
//   3. repair what devices get wrong: a raw '<' inside free-text leaves such as <Address>
//      (Hikvision), a '<' that cannot start markup, and '&' that starts no entity (Hikvision);
//      wvp drops such '&' and retries without <Address> lines, we escape instead so no data is lost;
//   4. depth cap (default 16) by a linear pre-scan, before the parser recurses;
//   5. fast-xml-parser with parseTagValue:false, so 20-digit IDs and SNs never become numbers.
import { XMLParser } from 'fast-xml-parser';
import { fail, ok, GbErrorCode, type GbResult } from '../errors.js';

export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Direct text content, entity-decoded and trimmed ('' for containers and empty leaves). */
  readonly text: string;
  readonly children: readonly XmlElement[];
}

export interface XmlLimits {
  /** Maximum body length in characters (bytes when checked by parseManscdp). Default 65536. */
  maxLength?: number;
  /** Maximum element nesting, the root being depth 1. Default 16. */
  maxDepth?: number;
}

export const DEFAULT_XML_LIMITS: Required<XmlLimits> = { maxLength: 64 * 1024, maxDepth: 16 };

/** Leaves whose content is free text a device may fill with raw '<' (Name, Address, ...). */
const FREE_TEXT_LEAVES = [
  'Name',
  'Address',
  'Owner',
  'Manufacturer',
  'Model',
  'Firmware',
  'DeviceName',
  'Block',
  'AlarmDescription',
  'PresetName',
  'Reason',
  'PointCommonName',
  'ManagementUnit',
  'ContactInfo',
];
// Content runs to the first closing tag of the same name on the same line and holds no '</':
// an unclosed <Address> never swallows the following elements.
const FREE_TEXT_OPEN_RE = new RegExp(`<(${FREE_TEXT_LEAVES.join('|')})>`, 'g');
const CLOSE_TAG_RE = /<\/([^\s>/]*)\s*>/y;
const STRAY_LT_RE = /<(?![A-Za-z_:/?!])/g;
const BARE_AMP_RE = /&(?!(?:[A-Za-z][A-Za-z0-9]{0,31}|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});)/g;
const DOCTYPE_RE = /<!(?:DOCTYPE|ENTITY)/i;

type FxpNode = Record<string, unknown>;

const parsers = new Map<string, XMLParser>();

/**
 * One parser per depth limit and entity need; XMLParser.parse keeps no state between calls. A
 * text without '&' holds no reference to decode, and skipping the HTML entity tables (which the
 * parser copies for every document, about half the cost of parsing an alarm) changes nothing in it.
 */
function parserFor(maxDepth: number, entities: boolean): XMLParser {
  const key = `${maxDepth}/${entities}`;
  let parser = parsers.get(key);
  if (!parser) {
    parser = new XMLParser({
      preserveOrder: true,
      ignoreAttributes: false,
      attributeNamePrefix: '',
      parseTagValue: false,
      parseAttributeValue: false,
      trimValues: true,
      processEntities: true, // only the five XML entities: DOCTYPE is refused before parsing
      htmlEntities: entities, // numeric character references such as &#20013;
      ignoreDeclaration: true,
      ignorePiTags: true,
      maxNestedTags: maxDepth + 1,
    });
    parsers.set(key, parser);
  }
  return parser;
}

/** Escapes what devices leave raw; exported for tests of individual repairs. */
export function repairXml(text: string): string {
  return escapeFreeText(text).replace(STRAY_LT_RE, '&lt;').replace(BARE_AMP_RE, '&amp;');
}

/**
 * Escapes '<' inside free-text leaves (`<Name>a<b</Name>`). Linear in the input: the first '</'
 * and line end after each opening tag are cached, because a single-regex version rescans the
 * rest of the line from every opening tag, which a body of 9,000 `<Name>` on one line turned
 * into 300+ ms of parsing per message (found by test/fuzz/manscdp).
 */
function escapeFreeText(text: string): string {
  let out = '';
  let copied = 0;
  let nextClose = -1;
  let nextEol = -1;
  const open = new RegExp(FREE_TEXT_OPEN_RE.source, 'g');
  for (let m = open.exec(text); m; m = open.exec(text)) {
    const name = m[1];
    const start = m.index + m[0].length;
    if (nextClose !== Infinity && nextClose < start) {
      const at = text.indexOf('</', start);
      nextClose = at < 0 ? Infinity : at;
    }
    if (nextEol !== Infinity && nextEol < start) {
      const cr = text.indexOf('\r', start);
      const lf = text.indexOf('\n', start);
      nextEol = Math.min(cr < 0 ? Infinity : cr, lf < 0 ? Infinity : lf);
    }
    if (nextClose === Infinity || nextClose > nextEol) {
      continue;
    }
    CLOSE_TAG_RE.lastIndex = nextClose;
    const close = CLOSE_TAG_RE.exec(text);
    if (!close || close[1] !== name) {
      continue;
    }
    const content = text.slice(start, nextClose);
    if (content.includes('<')) {
      out += `${text.slice(copied, m.index)}<${name}>${content.replace(/</g, '&lt;')}</${name}>`;
      copied = nextClose + close[0].length;
    }
    open.lastIndex = nextClose + close[0].length;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Deepest element nesting, scanning tags linearly (comments, PIs and CDATA skipped). */
export function measureDepth(text: string, stopAbove: number): number {
  let depth = 0;
  let max = 0;
  let i = text.indexOf('<');
  while (i !== -1 && i < text.length) {
    const next = text[i + 1];
    let end: number;
    if (text.startsWith('<!--', i)) {
      end = text.indexOf('-->', i + 4);
    } else if (text.startsWith('<![CDATA[', i)) {
      end = text.indexOf(']]>', i + 9);
    } else if (next === '?' || next === '!') {
      end = text.indexOf('>', i + 2);
    } else if (next === '/') {
      depth = Math.max(0, depth - 1);
      end = text.indexOf('>', i + 2);
    } else {
      end = text.indexOf('>', i + 1);
      if (end !== -1 && text[end - 1] !== '/') {
        depth++;
        if (depth > max) {
          max = depth;
        }
        if (max > stopAbove) {
          return max;
        }
      }
    }
    if (end === -1) {
      break;
    }
    i = text.indexOf('<', end + 1);
  }
  return max;
}

function toElement(node: FxpNode): XmlElement | undefined {
  const name = Object.keys(node).find((k) => k !== ':@' && k !== '#text');
  if (name === undefined) {
    return undefined;
  }
  const content = node[name];
  const attrs = (node[':@'] ?? {}) as Record<string, unknown>;
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) {
    attributes[k] = String(v);
  }
  const children: XmlElement[] = [];
  const texts: string[] = [];
  if (Array.isArray(content)) {
    for (const part of content as FxpNode[]) {
      if ('#text' in part) {
        texts.push(String(part['#text']));
      } else {
        const child = toElement(part);
        if (child) {
          children.push(child);
        }
      }
    }
  }
  return { name, attributes, text: texts.join('').trim(), children };
}

/** Parses one MANSCDP document; the result is its root element. */
export function parseXml(input: string, limits: XmlLimits = {}): GbResult<XmlElement> {
  const maxLength = limits.maxLength ?? DEFAULT_XML_LIMITS.maxLength;
  const maxDepth = limits.maxDepth ?? DEFAULT_XML_LIMITS.maxDepth;
  if (input.length > maxLength) {
    return fail(GbErrorCode.BODY_TOO_LARGE, `${input.length} characters > ${maxLength}`);
  }
  const text = input.replace(/^[\uFEFF\s]+/, '');
  if (DOCTYPE_RE.test(text)) {
    return fail(GbErrorCode.XML_DOCTYPE, 'DOCTYPE/ENTITY declarations are refused');
  }
  const repaired = repairXml(text);
  const depth = measureDepth(repaired, maxDepth);
  if (depth > maxDepth) {
    return fail(GbErrorCode.XML_TOO_DEEP, `nesting deeper than ${maxDepth}`);
  }
  let nodes: unknown;
  try {
    nodes = parserFor(maxDepth, repaired.includes('&')).parse(repaired);
  } catch (e) {
    return fail(GbErrorCode.XML_MALFORMED, e instanceof Error ? e.message : 'parser failure');
  }
  if (!Array.isArray(nodes)) {
    return fail(GbErrorCode.XML_MALFORMED, 'no element');
  }
  for (const node of nodes as FxpNode[]) {
    if ('#text' in node) {
      continue;
    }
    const root = toElement(node);
    if (root) {
      return ok(root);
    }
  }
  return fail(GbErrorCode.XML_MALFORMED, 'no root element');
}

// ---- element access: case-insensitive, because devices vary the case (Alarmstatus/AlarmStatus)

function sameName(a: string, b: string): boolean {
  return a === b || a.toLowerCase() === b.toLowerCase();
}

export function childElement(parent: XmlElement, name: string): XmlElement | undefined {
  return parent.children.find((c) => c.name === name) ?? parent.children.find((c) => sameName(c.name, name));
}

export function childElements(parent: XmlElement, name: string): XmlElement[] {
  return parent.children.filter((c) => sameName(c.name, name));
}

/** The trimmed text of the first child `name`; undefined when absent or empty. */
export function childText(parent: XmlElement, name: string): string | undefined {
  const text = childElement(parent, name)?.text;
  return text === undefined || text === '' ? undefined : text;
}

export function attribute(el: XmlElement, name: string): string | undefined {
  const key = Object.keys(el.attributes).find((k) => sameName(k, name));
  return key === undefined ? undefined : el.attributes[key];
}

// ---- writing

/** Builds an element: a string is leaf text, an array is child elements. */
export function xmlElement(
  name: string,
  content: string | readonly XmlElement[],
  attributes: Readonly<Record<string, string>> = {},
): XmlElement {
  return typeof content === 'string'
    ? { name, attributes, text: content, children: [] }
    : { name, attributes, text: '', children: content };
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function writeLines(el: XmlElement, out: string[]): void {
  const attrs = Object.entries(el.attributes)
    .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
    .join('');
  if (el.children.length === 0) {
    out.push(`<${el.name}${attrs}>${escapeXml(el.text)}</${el.name}>`);
    return;
  }
  out.push(`<${el.name}${attrs}>`);
  for (const child of el.children) {
    writeLines(child, out);
  }
  out.push(`</${el.name}>`);
}

/**
 * Serialises a document in the reference's shape: the declaration, then one element per line,
 * every line (the last included) ending in CRLF, as in the reference examples whose
 * Content-Length counts a final CRLF.
 */
export function writeXml(root: XmlElement, encoding: string, eol: '\r\n' | '\n' = '\r\n'): string {
  const out = [`<?xml version="1.0" encoding="${encoding}"?>`];
  writeLines(root, out);
  return out.join(eol) + eol;
}
