// Small translations between a client request and what the group coordinator
// records: the client's address as Kafka prints it, and Kafka's limit on
// string fields.

import type { RequestContext } from '../broker/api-handler.js';
import type { RequestInfo } from './coordinator-result.js';

/** Kafka's decoder refuses any string longer than this many bytes (0x7fff), even in compact form. */
export const MAX_STRING_BYTES = 32767;

/**
 * True when a decoded request holds a string Kafka's generated decoder would
 * have refused (longer than 32767 UTF-8 bytes). Such a request is malformed:
 * Kafka closes the connection, and nothing that long fits the int16-length
 * strings of the __consumer_offsets records.
 */
export function hasOversizedString(value: unknown): boolean {
  if (typeof value === 'string') {
    // At most 3 bytes per UTF-16 unit: short strings need no byte count.
    return value.length * 3 > MAX_STRING_BYTES && Buffer.byteLength(value, 'utf8') > MAX_STRING_BYTES;
  }
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return false;
  if (Array.isArray(value)) return value.some((v) => hasOversizedString(v));
  return Object.values(value as Record<string, unknown>).some((v) => hasOversizedString(v));
}

/** An address as Java's InetAddress#toString prints an unresolved one: "/127.0.0.1", "/0:0:0:0:0:0:0:1". */
export function kafkaClientHost(remoteAddress: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
  if (mapped !== null) return `/${mapped[1]}`;
  if (!remoteAddress.includes(':')) return `/${remoteAddress}`;
  // Java prints IPv6 in full, without leading zeros or "::" compression.
  const [head, tail] = remoteAddress.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `/${groups.map((g) => (g.includes('.') ? g : parseInt(g, 16).toString(16))).join(':')}`;
}

export function requestInfo(ctx: RequestContext): RequestInfo {
  return {
    clientId: ctx.header.clientId ?? '',
    clientHost: kafkaClientHost(ctx.connection.remoteAddress),
    apiVersion: ctx.header.apiVersion,
  };
}
