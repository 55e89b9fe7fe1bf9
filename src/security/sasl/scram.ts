// SASL/SCRAM-SHA-256 and SCRAM-SHA-512, server side (RFC 5802, RFC 7677), as
// Kafka speaks them: client-first "n,[a=authzid],n=user,r=cnonce[,ext]",
// server-first "r=cnonce+snonce,s=salt,i=iterations", client-final
// "c=biws,r=nonce,p=proof", server-final "v=signature". The combined nonce
// must come back unchanged (no replay of another session's final message),
// proofs are compared in constant time, and an unknown user is answered with
// a made-up salt so that only the last step fails, as for a wrong password.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { userPrincipal } from '../principal.js';
import { hash, hmac, type ScramAlgorithm, type ScramCredentialStore } from '../scram-credentials.js';
import { invalidCredentials, SaslAuthenticationError, type SaslMechanism, type SaslServerSession, type SaslStep } from './mechanism.js';

/** RFC 5802 printable characters without ','. */
const PRINTABLE = /^[\x21-\x2b\x2d-\x7e]+$/;
const SASLNAME = /^(?:[^,=]|=2C|=3D)+$/;
const EXTENSION = /^[A-Za-z]+=[\x21-\x7e]*$/;
/** One SCRAM message is a line of text; anything larger is not a client we want. */
const MAX_MESSAGE_BYTES = 8192;

function decodeSaslName(name: string): string {
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** Splits "k=v,k=v" into ordered attributes. */
function attributes(message: string): { key: string; value: string }[] {
  return message.split(',').map((part) => {
    const eq = part.indexOf('=');
    if (eq < 1) throw new SaslAuthenticationError('Invalid SCRAM message: malformed attribute');
    return { key: part.slice(0, eq), value: part.slice(eq + 1) };
  });
}

function bad(what: string): SaslAuthenticationError {
  return new SaslAuthenticationError(`Invalid SCRAM ${what}`);
}

class ScramSession implements SaslServerSession {
  readonly mechanism: string;
  private state: 'first' | 'final' | 'done' = 'first';
  private username = '';
  private gs2Header = '';
  private nonce = '';
  private authMessagePrefix = '';
  private credential: { storedKey: Buffer; serverKey: Buffer } | null = null;

  constructor(
    private readonly alg: ScramAlgorithm,
    private readonly store: ScramCredentialStore,
    private readonly decoyKey: Buffer,
    private readonly serverNonce: () => string,
  ) {
    this.mechanism = alg.name;
  }

  evaluate(token: Buffer): SaslStep {
    if (token.length > MAX_MESSAGE_BYTES) throw bad(`message: ${token.length} bytes`);
    const text = token.toString('utf8');
    switch (this.state) {
      case 'first':
        this.state = 'final';
        return this.clientFirst(text);
      case 'final':
        this.state = 'done';
        return this.clientFinal(text);
      default:
        throw new SaslAuthenticationError('Authentication failed: unexpected SCRAM message after the exchange completed');
    }
  }

  private clientFirst(text: string): SaslStep {
    // gs2-header: channel binding flag "n" (Kafka supports no channel binding), optional authzid.
    const m = /^(n),(a=([^,]*))?,(.*)$/s.exec(text);
    if (m === null) throw bad('client-first message: expected gs2 header "n,," (channel binding is not supported)');
    this.gs2Header = text.slice(0, text.length - (m[4] as string).length);
    const bare = m[4] as string;
    const attrs = attributes(bare);
    if (attrs[0]?.key === 'm') throw bad('client-first message: reserved extension m= is not supported');
    if (attrs[0]?.key !== 'n' || attrs[1]?.key !== 'r') throw bad('client-first message: expected n=<user>,r=<nonce>');
    const saslName = attrs[0].value;
    const clientNonce = attrs[1].value;
    if (!SASLNAME.test(saslName)) throw bad('client-first message: malformed user name');
    if (!PRINTABLE.test(clientNonce)) throw bad('client-first message: malformed nonce');
    for (const ext of attrs.slice(2)) {
      if (!EXTENSION.test(`${ext.key}=${ext.value}`)) throw bad('client-first message: malformed extension');
      // Delegation tokens (tokenauth=true) are not issued here, so no session can use one.
      if (ext.key === 't' || `${ext.key}=${ext.value}`.startsWith('tokenauth=')) throw invalidCredentials(this.mechanism, 'delegation tokens are not supported');
    }
    this.username = decodeSaslName(saslName);
    const authzid = m[3];
    if (authzid !== undefined && authzid !== '' && decodeSaslName(authzid) !== this.username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    const stored = this.store.get(this.username, this.alg.name);
    let salt: Buffer;
    let iterations: number;
    if (stored !== undefined) {
      this.credential = stored;
      salt = stored.salt;
      iterations = stored.iterations;
    } else {
      // The same salt for the same unknown name every time: a probe cannot tell it from a real user.
      salt = createHmac('sha256', this.decoyKey).update(this.alg.name).update('\u0000').update(this.username).digest();
      iterations = this.alg.minIterations;
      this.credential = null;
    }
    this.nonce = clientNonce + this.serverNonce();
    const serverFirst = `r=${this.nonce},s=${salt.toString('base64')},i=${iterations}`;
    this.authMessagePrefix = `${bare},${serverFirst}`;
    return { complete: false, challenge: Buffer.from(serverFirst, 'utf8') };
  }

  private clientFinal(text: string): SaslStep {
    const proofAt = text.lastIndexOf(',p=');
    if (proofAt < 0) throw bad('client-final message: no proof');
    const withoutProof = text.slice(0, proofAt);
    const attrs = attributes(withoutProof);
    if (attrs[0]?.key !== 'c' || attrs[1]?.key !== 'r') throw bad('client-final message: expected c=<binding>,r=<nonce>');
    if (Buffer.from(attrs[0].value, 'base64').toString('utf8') !== this.gs2Header) throw bad('client-final message: channel binding does not match the gs2 header');
    // Another session's final message (replay) or a nonce the client made up. As Kafka's ScramSaslServer,
    // the nonce must end with ours rather than equal it: librdkafka before 2.1 sends the client nonce twice.
    if (!attrs[1].value.endsWith(this.nonce)) throw invalidCredentials(this.mechanism, 'nonce mismatch');
    const proof = Buffer.from(text.slice(proofAt + 3), 'base64');
    const authMessage = Buffer.from(`${this.authMessagePrefix},${withoutProof}`, 'utf8');
    const credential = this.credential;
    if (credential === null || proof.length !== this.alg.length) throw invalidCredentials(this.mechanism, credential === null ? 'unknown user' : 'proof length');
    const clientSignature = hmac(this.alg, credential.storedKey, authMessage);
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = (proof[i] as number) ^ (clientSignature[i] as number);
    if (!timingSafeEqual(hash(this.alg, clientKey), credential.storedKey)) throw invalidCredentials(this.mechanism, 'wrong proof');
    const serverSignature = hmac(this.alg, credential.serverKey, authMessage);
    return { complete: true, challenge: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'), principal: userPrincipal(this.username) };
  }
}

/** `serverNonce` is for tests against the RFC's published exchanges; by default 24 random bytes. */
export function scramMechanism(alg: ScramAlgorithm, store: ScramCredentialStore, serverNonce: () => string = () => randomBytes(24).toString('base64')): SaslMechanism {
  // Per process: decoy salts need only be stable while a prober is probing.
  const decoyKey = randomBytes(32);
  return { name: alg.name, createSession: () => new ScramSession(alg, store, decoyKey, serverNonce) };
}
