// A parser for Java `.properties` files, following java.util.Properties#load:
// `#`/`!` comments, `key=value`, `key: value`, `key value`, backslash line
// continuations, `\uXXXX` and the usual escapes. Files are read as UTF-8, not
// ISO-8859-1 as Java does (deliberate: `\uXXXX` still works for both).

export interface PropertyEntry {
  key: string;
  value: string;
  /** 1-based line on which the logical line (key) starts. */
  line: number;
}

export class PropertiesParseError extends Error {
  readonly line: number;
  constructor(message: string, line: number, source?: string) {
    super(`${source ?? 'properties'}: line ${line}: ${message}`);
    this.name = 'PropertiesParseError';
    this.line = line;
  }
}

const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\f';

/** Counts the backslashes that end `text`: an odd count means a continuation. */
function trailingBackslashes(text: string): number {
  let n = 0;
  for (let i = text.length - 1; i >= 0 && text[i] === '\\'; i--) n++;
  return n;
}

function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (i < text.length && isWhitespace(text[i] as string)) i++;
  return i;
}

/** Decodes the escapes in a key or value; `physicalLines` maps an offset in `text` to its line. */
function unescape(text: string, lineAt: (offset: number) => number, source: string | undefined): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    i++;
    if (i >= text.length) break; // a lone trailing backslash (end of file) is dropped, as Java does
    const e = text[i] as string;
    switch (e) {
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        const hex = text.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          throw new PropertiesParseError(`malformed \\uXXXX escape '\\u${hex}'`, lineAt(i), source);
        }
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
        break;
      }
      default: out += e; // `\=`, `\:`, `\ `, `\#`, `\\` and any other character stand for themselves
    }
  }
  return out;
}

/** Parses properties text into entries in file order (a repeated key appears twice; the last one wins on lookup). */
export function parsePropertiesEntries(text: string, source?: string): PropertyEntry[] {
  const physical = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const entries: PropertyEntry[] = [];
  let index = 0;
  while (index < physical.length) {
    const startLine = index + 1;
    let first = physical[index] as string;
    index++;
    const firstStart = skipWhitespace(first, 0);
    if (firstStart === first.length) continue; // blank line
    const lead = first[firstStart];
    if (lead === '#' || lead === '!') continue; // comments never continue
    first = first.slice(firstStart);

    // Join continuation lines; remember where each physical piece starts for error lines.
    let logical = '';
    const pieces: { offset: number; line: number }[] = [];
    let piece = first;
    let pieceLine = startLine;
    for (;;) {
      const continues = trailingBackslashes(piece) % 2 === 1;
      pieces.push({ offset: logical.length, line: pieceLine });
      logical += continues ? piece.slice(0, -1) : piece;
      if (!continues || index >= physical.length) break;
      const next = physical[index] as string;
      pieceLine = index + 1;
      index++;
      piece = next.slice(skipWhitespace(next, 0));
    }
    const lineAt = (offset: number): number => {
      let line = startLine;
      for (const p of pieces) if (p.offset <= offset) line = p.line;
      return line;
    };

    // The key ends at the first unescaped '=', ':' or whitespace.
    let k = 0;
    while (k < logical.length) {
      const c = logical[k] as string;
      if (c === '\\') { k += 2; continue; }
      if (c === '=' || c === ':' || isWhitespace(c)) break;
      k++;
    }
    const rawKey = logical.slice(0, Math.min(k, logical.length));
    let v = skipWhitespace(logical, k);
    if (v < logical.length && (logical[v] === '=' || logical[v] === ':')) v = skipWhitespace(logical, v + 1);
    const rawValue = logical.slice(v);
    const key = unescape(rawKey, lineAt, source);
    if (key.length === 0) throw new PropertiesParseError(`missing property name before '${logical[k] ?? ''}'`, startLine, source);
    const value = unescape(rawValue, (o) => lineAt(o + v), source);
    entries.push({ key, value, line: startLine });
  }
  return entries;
}

/** Parses properties text into a map; a repeated key keeps its last value, as java.util.Properties does. */
export function parseProperties(text: string, source?: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of parsePropertiesEntries(text, source)) map.set(entry.key, entry.value);
  return map;
}
