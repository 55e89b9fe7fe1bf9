import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseProperties, parsePropertiesEntries, PropertiesParseError } from '../../src/config/properties.js';

test('separators: =, :, whitespace, and surrounding whitespace', () => {
  const p = parseProperties('a=1\nb: 2\nc 3\n  d   =   4  \ne\tf\ng=\nh\n');
  assert.equal(p.get('a'), '1');
  assert.equal(p.get('b'), '2');
  assert.equal(p.get('c'), '3');
  assert.equal(p.get('d'), '4  '); // trailing whitespace of a value is kept, as in Java
  assert.equal(p.get('e'), 'f');
  assert.equal(p.get('g'), '');
  assert.equal(p.get('h'), '');
});

test('comments and blank lines are skipped; # inside a value is kept', () => {
  const p = parseProperties('# comment\n! also a comment\n   # indented comment\n\n   \nkey=value # not a comment\n');
  assert.deepEqual([...p.entries()], [['key', 'value # not a comment']]);
});

test('line continuations join lines and drop the next line\'s leading whitespace', () => {
  const p = parseProperties('listeners=PLAINTEXT://:9092,\\\n    CONTROLLER://:9093\nnext=1\n');
  assert.equal(p.get('listeners'), 'PLAINTEXT://:9092,CONTROLLER://:9093');
  assert.equal(p.get('next'), '1');
});

test('an even number of trailing backslashes is an escaped backslash, not a continuation', () => {
  const p = parseProperties('path=C:\\\\dir\\\\\nother=2\n');
  assert.equal(p.get('path'), 'C:\\dir\\');
  assert.equal(p.get('other'), '2');
});

test('a comment-looking line inside a continuation is part of the value', () => {
  const p = parseProperties('a=1\\\n#2\n');
  assert.equal(p.get('a'), '1#2');
});

test('escapes: \\t \\n \\r \\f, \\uXXXX, escaped separators in keys', () => {
  const p = parseProperties('tab=a\\tb\nnl=a\\nb\nuni=caf\\u00e9\nkey\\=with\\:seps\\ x=v\nplain=\\q\n');
  assert.equal(p.get('tab'), 'a\tb');
  assert.equal(p.get('nl'), 'a\nb');
  assert.equal(p.get('uni'), 'café');
  assert.equal(p.get('key=with:seps x'), 'v');
  assert.equal(p.get('plain'), 'q');
});

test('CRLF and CR line endings, BOM', () => {
  const p = parseProperties('\uFEFFa=1\r\nb=2\rc=3');
  assert.deepEqual(Object.fromEntries(p), { a: '1', b: '2', c: '3' });
});

test('a repeated key keeps the last value; entries keep line numbers', () => {
  const text = 'a=1\n\n# c\nb=2\\\n  x\na=3\n';
  assert.equal(parseProperties(text).get('a'), '3');
  assert.deepEqual(parsePropertiesEntries(text).map((e) => [e.key, e.line]), [['a', 1], ['b', 4], ['a', 6]]);
});

test('malformed \\u escape is an error with the line number', () => {
  assert.throws(() => parseProperties('ok=1\nbad=\\u12G4\n', 'server.properties'), (err: unknown) => {
    assert.ok(err instanceof PropertiesParseError);
    assert.equal(err.line, 2);
    assert.match(err.message, /server\.properties: line 2: malformed \\uXXXX/);
    return true;
  });
});

test('malformed \\u escape on a continuation line reports that physical line', () => {
  assert.throws(() => parseProperties('a=1\nb=x\\\n  \\uZZZZ\n'), (err: unknown) => err instanceof PropertiesParseError && err.line === 3);
});

test('a line with a separator but no key is an error', () => {
  assert.throws(() => parseProperties('a=1\n=2\n'), (err: unknown) => err instanceof PropertiesParseError && err.line === 2);
});
