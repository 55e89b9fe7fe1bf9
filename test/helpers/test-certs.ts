// Throwaway certificates for TLS tests, made with the openssl CLI in a temp
// directory: a CA, a server certificate for localhost/127.0.0.1, client
// certificates signed by the CA, one from an unknown CA, and PKCS12 copies.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertFiles {
  dir: string;
  caCert: string;
  /** Key + certificate in one PEM file (Kafka's PEM key store layout). */
  serverPem: string;
  serverKey: string;
  serverCert: string;
  /** The server key store as PKCS12, password PKCS12_PASSWORD. */
  serverP12: string;
  /** Client key stores by name: key.pem, cert.pem and a combined PEM, plus PKCS12. */
  clients: Record<string, { key: string; cert: string; pem: string; p12: string; subject: string }>;
  /** A client certificate signed by a CA the broker does not trust. */
  rogue: { key: string; cert: string };
  remove(): void;
}

export const PKCS12_PASSWORD = 'changeit-p12';

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args.join(' ')} failed (is the openssl CLI installed?): ${e.stderr?.toString() ?? e.message}`);
  }
}

function signed(dir: string, name: string, subject: string, ca: { cert: string; key: string }, ext?: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject], dir);
  const args = ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', cert, '-days', '2', '-sha256'];
  if (ext !== undefined) {
    const extFile = join(dir, `${name}.ext`);
    writeFileSync(extFile, ext);
    args.push('-extfile', extFile);
  }
  openssl(args, dir);
  return { key, cert };
}

function selfSignedCa(dir: string, name: string, subject: string): { key: string; cert: string } {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', subject,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return { key, cert };
}

function p12(dir: string, name: string, key: string, cert: string, ca: string): string {
  const out = join(dir, `${name}.p12`);
  openssl(['pkcs12', '-export', '-inkey', key, '-in', cert, '-certfile', ca, '-name', name, '-out', out, '-passout', `pass:${PKCS12_PASSWORD}`], dir);
  return out;
}

/** Creates the certificates; clientSubjects maps a name to an openssl -subj ("/O=Acme/CN=alice"). */
export function makeTestCerts(clientSubjects: Record<string, string> = { alice: '/O=Acme/OU=eng/CN=alice' }): CertFiles {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-certs-'));
  const ca = selfSignedCa(dir, 'ca', '/O=Tributary Test/CN=Test CA');
  const server = signed(dir, 'server', '/O=Tributary Test/CN=localhost', ca, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  const serverPem = join(dir, 'server-keystore.pem');
  writeFileSync(serverPem, readFileSync(server.key, 'utf8') + readFileSync(server.cert, 'utf8'));
  const clients: CertFiles['clients'] = {};
  for (const [name, subject] of Object.entries(clientSubjects)) {
    const c = signed(dir, `client-${name}`, subject, ca, 'extendedKeyUsage=clientAuth\n');
    const pem = join(dir, `client-${name}-keystore.pem`);
    writeFileSync(pem, readFileSync(c.key, 'utf8') + readFileSync(c.cert, 'utf8'));
    clients[name] = { ...c, pem, p12: p12(dir, `client-${name}`, c.key, c.cert, ca.cert), subject };
  }
  const rogueCa = selfSignedCa(dir, 'rogue-ca', '/CN=Rogue CA');
  const rogue = signed(dir, 'rogue', '/O=Acme/OU=eng/CN=alice', rogueCa, 'extendedKeyUsage=clientAuth\n');
  return {
    dir, caCert: ca.cert, serverPem, serverKey: server.key, serverCert: server.cert,
    serverP12: p12(dir, 'server', server.key, server.cert, ca.cert),
    clients, rogue,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
