// The records of __transaction_state, Kafka's format: key TransactionLogKey
// v0 (int16 version 0, transactional id); value TransactionLogValue v0
// (producer id, epoch, timeout, state byte, the partitions in the
// transaction, last update and start timestamps); v1 (flexible, with the
// previous/next producer ids and the client's transaction version as tagged
// fields) is read too. A null value is a tombstone: the id has expired.

import { ProtocolDecodeError, Reader } from '../protocol/reader.js';
import { Writer } from '../protocol/writer.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/** Kafka's TransactionState ids, as stored in the log. */
export enum TxnState {
  Empty = 0,
  Ongoing = 1,
  PrepareCommit = 2,
  PrepareAbort = 3,
  CompleteCommit = 4,
  CompleteAbort = 5,
  Dead = 6,
  PrepareEpochFence = 7,
}

/** Kafka's names for the states (ListTransactions filters and DescribeTransactions answers use them). */
export const TXN_STATE_NAMES: Record<TxnState, string> = {
  [TxnState.Empty]: 'Empty',
  [TxnState.Ongoing]: 'Ongoing',
  [TxnState.PrepareCommit]: 'PrepareCommit',
  [TxnState.PrepareAbort]: 'PrepareAbort',
  [TxnState.CompleteCommit]: 'CompleteCommit',
  [TxnState.CompleteAbort]: 'CompleteAbort',
  [TxnState.Dead]: 'Dead',
  [TxnState.PrepareEpochFence]: 'PrepareEpochFence',
};

export interface TxnLogValue {
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  state: TxnState;
  /** topic -> partitions. */
  partitions: Map<string, Set<number>>;
  lastUpdateTimestamp: number;
  startTimestamp: number;
}

export function encodeTxnKey(transactionalId: string): Buffer {
  const w = new Writer(32 + transactionalId.length * 3);
  w.int16(0);
  w.nullableString(transactionalId);
  return w.toBuffer();
}

export function decodeTxnKey(buf: Buffer): string {
  const r = new Reader(buf);
  const version = r.int16();
  if (version !== 0) throw new ProtocolDecodeError(`unknown TransactionLogKey version ${version}`);
  return r.string(false);
}

export function encodeTxnValue(v: TxnLogValue): Buffer {
  const w = new Writer(128);
  w.int16(0);
  w.int64(v.producerId);
  w.int16(v.producerEpoch);
  w.int32(v.timeoutMs);
  w.int8(v.state);
  // Kafka writes a null partition list for an Empty transaction.
  if (v.state === TxnState.Empty) {
    w.arrayLength(-1, false);
  } else {
    w.arrayLength(v.partitions.size, false);
    for (const [topic, parts] of v.partitions) {
      w.nullableString(topic);
      w.arrayLength(parts.size, false);
      for (const p of parts) w.int32(p);
    }
  }
  w.int64(v.lastUpdateTimestamp);
  w.int64(v.startTimestamp);
  return w.toBuffer();
}

export function decodeTxnValue(buf: Buffer): TxnLogValue {
  const r = new Reader(buf);
  const version = r.int16();
  if (version !== 0 && version !== 1) throw new ProtocolDecodeError(`unknown TransactionLogValue version ${version}`);
  const flexible = version >= 1;
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const timeoutMs = r.int32();
  const state = r.int8();
  if (!(state in TxnState)) throw new ProtocolDecodeError(`unknown transaction state ${state}`);
  const partitions = new Map<string, Set<number>>();
  const topics = r.arrayLength(flexible);
  for (let i = 0; i < topics; i++) {
    const topic = r.string(flexible);
    const n = r.arrayLength(flexible);
    const set = new Set<number>();
    for (let j = 0; j < n; j++) set.add(r.int32());
    if (flexible) r.taggedFields();
    partitions.set(topic, set);
  }
  const lastUpdateTimestamp = r.int64();
  const startTimestamp = r.int64();
  if (flexible) r.taggedFields();
  return { producerId, producerEpoch, timeoutMs, state: state as TxnState, partitions, lastUpdateTimestamp, startTimestamp };
}
