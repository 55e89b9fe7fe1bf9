// ssl.principal.mapping.rules: Kafka's SslPrincipalMapper syntax. A list of
// rules separated by commas (or newlines), each either DEFAULT (the
// distinguished name as is) or RULE:pattern/replacement/[LU]; the first rule
// whose pattern matches the whole DN gives the name, L/U lower- or
// upper-cases it. No matching rule fails the authentication, as in Kafka.

export class SslPrincipalMappingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SslPrincipalMappingError';
  }
}

type Rule =
  | { kind: 'default' }
  | { kind: 'rule'; whole: RegExp; each: RegExp; replacement: string; caseFold: '' | 'L' | 'U' };

/** Reads up to the next unescaped '/'; returns the raw text (escapes kept) and the index after the '/'. */
function untilSlash(text: string, from: number): { raw: string; next: number } | null {
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') { i += 2; continue; }
    if (c === '/') return { raw: text.slice(from, i), next: i + 1 };
    i++;
  }
  return null;
}

/** Java replacement strings escape with '\'; JavaScript's do not: "\x" means x. `$n` works in both. */
function javaReplacementToJs(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === '\\' && i + 1 < raw.length) {
      const next = raw[++i] as string;
      out += next === '$' ? '$$' : next;
    } else {
      out += c;
    }
  }
  return out;
}

export class SslPrincipalMapper {
  private constructor(private readonly rules: readonly Rule[]) {}

  /** Parses the property value; throws SslPrincipalMappingError naming the bad rule. */
  static parse(text: string): SslPrincipalMapper {
    const rules: Rule[] = [];
    let i = 0;
    const skipSpace = (): void => { while (i < text.length && /\s/.test(text[i] as string)) i++; };
    for (;;) {
      skipSpace();
      if (i >= text.length) break;
      if (text.startsWith('DEFAULT', i)) {
        rules.push({ kind: 'default' });
        i += 'DEFAULT'.length;
      } else if (text.startsWith('RULE:', i)) {
        const start = i;
        const pattern = untilSlash(text, i + 'RULE:'.length);
        const replacement = pattern === null ? null : untilSlash(text, pattern.next);
        if (pattern === null || replacement === null) {
          throw new SslPrincipalMappingError(`Invalid rule in ssl.principal.mapping.rules: '${text.slice(start)}' is not RULE:pattern/replacement/[LU]`);
        }
        i = replacement.next;
        let caseFold: '' | 'L' | 'U' = '';
        if (text[i] === 'L' || text[i] === 'U') caseFold = text[i++] as 'L' | 'U';
        let whole: RegExp;
        let each: RegExp;
        try {
          whole = new RegExp(`^(?:${pattern.raw})$`, 's');
          each = new RegExp(pattern.raw, 'gs');
        } catch (err) {
          throw new SslPrincipalMappingError(`Invalid pattern '${pattern.raw}' in ssl.principal.mapping.rules: ${(err as Error).message}`);
        }
        rules.push({ kind: 'rule', whole, each, replacement: javaReplacementToJs(replacement.raw), caseFold });
      } else {
        throw new SslPrincipalMappingError(`Invalid rule in ssl.principal.mapping.rules: '${text.slice(i)}' (expected DEFAULT or RULE:pattern/replacement/[LU])`);
      }
      skipSpace();
      if (i >= text.length) break;
      if (text[i] !== ',') throw new SslPrincipalMappingError(`Invalid rule in ssl.principal.mapping.rules: unexpected '${text.slice(i)}' after a rule`);
      i++;
    }
    if (rules.length === 0) rules.push({ kind: 'default' });
    return new SslPrincipalMapper(rules);
  }

  /** The principal name for a distinguished name (RFC 2253 form); throws when no rule matches. */
  map(distinguishedName: string): string {
    for (const rule of this.rules) {
      if (rule.kind === 'default') return distinguishedName;
      if (!rule.whole.test(distinguishedName)) continue;
      rule.each.lastIndex = 0;
      const name = distinguishedName.replace(rule.each, rule.replacement);
      if (rule.caseFold === 'L') return name.toLowerCase();
      if (rule.caseFold === 'U') return name.toUpperCase();
      return name;
    }
    throw new SslPrincipalMappingError(`No rules apply to ${distinguishedName}, rules ${this.rules.length}`);
  }
}

/**
 * The subject of a certificate as Java's X500Principal.getName() prints it
 * (RFC 2253): most specific RDN first, "CN=client,OU=eng,O=Org,C=US". Node
 * gives the subject one attribute per line in certificate order (C first),
 * already escaped as RFC 2253 asks.
 */
export function subjectToRfc2253(subject: string): string {
  return subject.split('\n').filter((l) => l.length > 0).reverse().join(',');
}
