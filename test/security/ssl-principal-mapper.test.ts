// ssl.principal.mapping.rules as Kafka's SslPrincipalMapper reads them, and
// certificate subjects in Java's RFC 2253 form.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SslPrincipalMapper, SslPrincipalMappingError, subjectToRfc2253 } from '../../src/security/ssl-principal-mapper.js';
import { makeTestCerts } from '../helpers/test-certs.js';

test('DEFAULT keeps the distinguished name', () => {
  assert.equal(SslPrincipalMapper.parse('DEFAULT').map('CN=alice,OU=eng,O=Acme'), 'CN=alice,OU=eng,O=Acme');
  assert.equal(SslPrincipalMapper.parse('').map('CN=x'), 'CN=x');
});

test('rules: first match wins, $n groups, L and U, DEFAULT as fallback, commas inside patterns', () => {
  const m = SslPrincipalMapper.parse('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/,\n RULE:^CN=(.*?),OU=(.*?),O=(.*?)$/$1@$2/L , RULE:^cn=([a-z]+)$/$1/U, DEFAULT');
  assert.equal(m.map('CN=kafka-svc,OU=ServiceUsers,O=Unknown'), 'kafka-svc');
  assert.equal(m.map('CN=Duke,OU=JavaSoft,O=Sun'), 'duke@javasoft');
  assert.equal(m.map('cn=duke'), 'DUKE');
  assert.equal(m.map('O=Nobody'), 'O=Nobody');
});

test('a rule must match the whole name; with no DEFAULT an unmatched name is an error', () => {
  const m = SslPrincipalMapper.parse('RULE:CN=([a-z]+)/$1/');
  assert.equal(m.map('CN=abc'), 'abc');
  assert.throws(() => m.map('CN=abc,O=x'), SslPrincipalMappingError);
});

test('escaped slashes in patterns and replacements', () => {
  const m = SslPrincipalMapper.parse('RULE:^CN=([^,]+),O=a\\/b$/$1\\/ab/');
  assert.equal(m.map('CN=z,O=a/b'), 'z/ab');
});

test('malformed rules are rejected', () => {
  for (const bad of ['RULE:abc', 'RULE:a/b', 'NOPE', 'DEFAULT DEFAULT', 'RULE:(/x/']) {
    assert.throws(() => SslPrincipalMapper.parse(bad), SslPrincipalMappingError, bad);
  }
});

test('certificate subjects read most specific first, with RFC 2253 escapes', () => {
  const certs = makeTestCerts({ alice: '/C=US/O=Acme, Inc/OU=eng/CN=alice' });
  try {
    const cert = new X509Certificate(readFileSync(certs.clients['alice']!.cert));
    assert.equal(subjectToRfc2253(cert.subject), 'CN=alice,OU=eng,O=Acme\\, Inc,C=US');
  } finally {
    certs.remove();
  }
});
