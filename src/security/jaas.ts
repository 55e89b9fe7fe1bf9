// Kafka's sasl.jaas.config values: one JAAS login module entry,
//   <LoginModuleClass> <required|requisite|sufficient|optional> key=value ... ;
// values plain words or double-quoted strings with backslash escapes (the
// grammar of Java's StreamTokenizer as Kafka's JaasConfig uses it).

export interface JaasEntry {
  loginModule: string;
  flag: 'required' | 'requisite' | 'sufficient' | 'optional';
  options: Map<string, string>;
}

export class JaasConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JaasConfigError';
  }
}

type Token = { kind: 'word' | 'quoted'; text: string } | { kind: 'punct'; text: '=' | ';' };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '=' || c === ';') { out.push({ kind: 'punct', text: c }); i++; continue; }
    if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new JaasConfigError('unterminated quoted string in JAAS config');
        const d = text[i] as string;
        if (d === '"') { i++; break; }
        if (d === '\\' && i + 1 < text.length) {
          const e = text[i + 1] as string;
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
          i += 2;
          continue;
        }
        value += d;
        i++;
      }
      out.push({ kind: 'quoted', text: value });
      continue;
    }
    let word = '';
    while (i < text.length && !/[\s=;"]/.test(text[i] as string)) word += text[i++];
    out.push({ kind: 'word', text: word });
  }
  return out;
}

const FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

/** Parses a sasl.jaas.config value holding exactly one login module, as Kafka requires. */
export function parseJaasConfig(text: string): JaasEntry {
  const tokens = tokenize(text);
  const entries: JaasEntry[] = [];
  let i = 0;
  while (i < tokens.length) {
    const module = tokens[i++];
    const flag = tokens[i++];
    if (module?.kind !== 'word') throw new JaasConfigError('JAAS config entry must start with a login module class name');
    if (flag?.kind !== 'word' || !FLAGS.has(flag.text.toLowerCase())) {
      throw new JaasConfigError(`JAAS config entry for ${module.text} needs a control flag (required, requisite, sufficient or optional)`);
    }
    const options = new Map<string, string>();
    for (;;) {
      const t = tokens[i++];
      if (t === undefined) throw new JaasConfigError(`JAAS config entry for ${module.text} is not terminated by ';'`);
      if (t.kind === 'punct' && t.text === ';') break;
      const eq = tokens[i++];
      const value = tokens[i++];
      if (t.kind !== 'word' || eq?.kind !== 'punct' || eq.text !== '=' || value === undefined || value.kind === 'punct') {
        throw new JaasConfigError(`JAAS config entry for ${module.text}: expected key=value options`);
      }
      options.set(t.text, value.text);
    }
    entries.push({ loginModule: module.text, flag: flag.text.toLowerCase() as JaasEntry['flag'], options });
  }
  if (entries.length !== 1) throw new JaasConfigError(`JAAS config property contains ${entries.length} login modules, should be 1 module`);
  return entries[0]!;
}
