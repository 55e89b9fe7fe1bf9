// The shape every generated message module exports: its versions and its codec.

import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

export interface MessageDescriptor<T, TInput> {
  name: string;
  kind: 'request' | 'response' | 'header' | 'data' | 'metadata';
  /** -1 for messages that are not an API request or response. */
  apiKey: number;
  minVersion: number;
  maxVersion: number;
  /** Versions from this one up use compact encodings and tagged fields; -1 for none. */
  flexibleMinVersion: number;
  /** The newest version was still being designed: generated, never advertised. */
  latestVersionUnstable: boolean;
  decode(r: Reader, version: number): T;
  encode(w: Writer, version: number, value: TInput): void;
}

export function isFlexible(m: MessageDescriptor<unknown, unknown>, version: number): boolean {
  return m.flexibleMinVersion >= 0 && version >= m.flexibleMinVersion;
}
