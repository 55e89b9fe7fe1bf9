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

/** What a descriptor says about its message without its codec. */
export type MessageInfo = Omit<MessageDescriptor<unknown, unknown>, 'decode' | 'encode'>;

/**
 * A descriptor whose codec module is loaded on its first decode or encode
 * (the generated index is made of these, so a process loads only the messages
 * it uses); from then on it calls the loaded codec directly.
 */
export function lazyMessage<T, TInput>(info: MessageInfo, load: () => MessageDescriptor<T, TInput>): MessageDescriptor<T, TInput> {
  const d: MessageDescriptor<T, TInput> = {
    ...info,
    decode: (r, version) => resolve().decode(r, version),
    encode: (w, version, value) => resolve().encode(w, version, value),
  };
  const resolve = (): MessageDescriptor<T, TInput> => {
    const real = load();
    d.decode = real.decode;
    d.encode = real.encode;
    return real;
  };
  return d;
}
