// Service accounts and API keys, as Confluent Cloud has them. A service
// account is a principal (User:sa-xxxxxx); an API key is a SASL/PLAIN
// username whose secret is the password, and authenticates as its owner.
// Secrets are shown once, at creation; the metadata log keeps only a salted
// HMAC-SHA-256 of each (a secret is 48 random bytes, so a slow password hash
// would add nothing but latency to every authentication). Deleting a key or
// its service account makes the next authentication with it fail, including
// a KIP-368 re-authentication of a connection opened with it. A change the
// metadata log cannot take throws MetadataWriteError and changes nothing.

import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { ApiKeyRecord, MetadataStore, ServiceAccountRecord } from '../storage/metadata-log.js';
import { userPrincipal, type KafkaPrincipal } from './principal.js';

/** A refused IAM operation, with the HTTP status Confluent answers it with. */
export class IamError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'IamError';
  }
}

export interface ApiKeyView {
  key: string;
  owner: string;
  displayName: string;
  description: string;
  createdAt: number;
}

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const MAX_TEXT = 256;

function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

function secretHash(salt: Buffer, secret: string): Buffer {
  return createHmac('sha256', salt).update(secret, 'utf8').digest();
}

function text(value: unknown, field: string, required: boolean): string {
  if (value === undefined || value === null) {
    if (required) throw new IamError(400, `${field} is required`);
    return '';
  }
  if (typeof value !== 'string') throw new IamError(400, `${field} must be a string`);
  if (value.length > MAX_TEXT) throw new IamError(400, `${field} is longer than ${MAX_TEXT} characters`);
  if (required && value.trim() === '') throw new IamError(400, `${field} must not be empty`);
  return value;
}

function view(k: ApiKeyRecord): ApiKeyView {
  return { key: k.key, owner: k.owner, displayName: k.displayName, description: k.description, createdAt: k.createdAt };
}

export class ApiKeyStore {
  /** Compared against when a key is unknown, so that both paths cost the same. */
  private readonly decoy = { salt: randomBytes(16), hash: randomBytes(32) };

  constructor(
    private readonly metadata: MetadataStore,
    private readonly now: () => number = Date.now,
  ) {}

  // ---------------------------------------------------------- service accounts

  createServiceAccount(displayName: unknown, description: unknown): ServiceAccountRecord {
    const name = text(displayName, 'display_name', true);
    const desc = text(description, 'description', false);
    // Confluent Cloud keeps display names unique.
    if (this.metadata.listServiceAccounts().some((a) => a.displayName === name)) {
      throw new IamError(409, `Service name is already in use: ${name}`);
    }
    let id: string;
    do id = `sa-${randomString(ID_ALPHABET, 6)}`; while (this.metadata.getServiceAccount(id) !== undefined);
    const account = { id, displayName: name, description: desc, createdAt: this.now() };
    this.metadata.putServiceAccount(account);
    return account;
  }

  listServiceAccounts(): ServiceAccountRecord[] {
    return this.metadata.listServiceAccounts().sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  getServiceAccount(id: string): ServiceAccountRecord {
    const a = this.metadata.getServiceAccount(id);
    if (a === undefined) throw new IamError(404, `Service Account ${id} was not found`);
    return a;
  }

  updateServiceAccount(id: string, description: unknown): ServiceAccountRecord {
    const account = { ...this.getServiceAccount(id), description: text(description, 'description', true) };
    this.metadata.putServiceAccount(account);
    return account;
  }

  /** Deletes the account and, with it, every API key it owns. */
  deleteServiceAccount(id: string): void {
    this.getServiceAccount(id);
    this.metadata.deleteServiceAccount(id);
  }

  // ------------------------------------------------------------------ API keys

  /** A new key for an existing service account; the secret is in the answer and nowhere else. */
  createApiKey(owner: unknown, displayName: unknown, description: unknown): ApiKeyView & { secret: string } {
    const ownerId = text(owner, 'spec.owner.id', true);
    this.getServiceAccount(ownerId);
    let key: string;
    do key = randomString(KEY_ALPHABET, 16); while (this.metadata.getApiKey(key) !== undefined);
    const secret = randomBytes(48).toString('base64');
    const salt = randomBytes(16);
    const record: ApiKeyRecord = {
      key,
      owner: ownerId,
      displayName: text(displayName, 'spec.display_name', false),
      description: text(description, 'spec.description', false),
      salt: salt.toString('base64'),
      secretHash: secretHash(salt, secret).toString('base64'),
      createdAt: this.now(),
    };
    this.metadata.putApiKey(record);
    return { ...view(record), secret };
  }

  listApiKeys(owner?: string): ApiKeyView[] {
    return this.metadata.listApiKeys()
      .filter((k) => owner === undefined || k.owner === owner)
      .sort((a, b) => a.createdAt - b.createdAt || a.key.localeCompare(b.key))
      .map(view);
  }

  getApiKey(key: string): ApiKeyView {
    const k = this.metadata.getApiKey(key);
    if (k === undefined) throw new IamError(404, `API key ${key} was not found`);
    return view(k);
  }

  deleteApiKey(key: string): void {
    this.getApiKey(key);
    this.metadata.deleteApiKey(key);
  }

  /** The principal an API key and secret authenticate as, or null (an unknown key costs what a wrong secret does). */
  authenticate(key: string, secret: string): KafkaPrincipal | null {
    const k = this.metadata.getApiKey(key);
    const salt = k === undefined ? this.decoy.salt : Buffer.from(k.salt, 'base64');
    const expected = k === undefined ? this.decoy.hash : Buffer.from(k.secretHash, 'base64');
    const actual = secretHash(salt, secret);
    const ok = actual.length === expected.length && timingSafeEqual(actual, expected);
    return ok && k !== undefined ? userPrincipal(k.owner) : null;
  }
}
