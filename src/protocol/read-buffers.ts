// Reusable buffers for bytes read from disk that go out in a response (Fetch),
// and for Produce request frames that span socket reads (broker/connection.ts).
//
// A fresh 1 MiB buffer per partition read costs page faults and, through V8's
// accounting of external memory, a full GC every few dozen MiB read: measured
// at more than half the broker's CPU on a catch-up fetch (bench/OPTIMISATIONS.md).
// The storage borrows with acquireReadBuffer, and only when its caller asks
// (the Fetch path: `lendForResponse` on the read); the connection hands the
// buffers back with recycleResponseChunks once the socket has written the
// response that carried them. A buffer that is never handed back is
// garbage-collected like any other (a response dropped because its connection
// closed, a failed fetch). Readers that keep their bytes (a coordinator
// loading __consumer_offsets, whose group state holds views of the read and
// goes out again in DescribeGroups responses; compaction) must not borrow:
// their buffers are not from the pool, so a response carrying them recycles
// nothing. The one rule: bytes that went out in a response after a lending
// read must not be kept, since the buffer is reused once written.

/**
 * Reads smaller than this are left to Buffer.allocUnsafe's shared pool (which
 * takes requests under 4 KiB). Larger ones borrow: a consumer that keeps up
 * fetches a few KiB per partition each time, and those reads, each a fresh
 * buffer, drove most of the mark-compacts under a steady produce/consume load.
 */
export const MIN_POOLED_BYTES = 4 * 1024;
/** Reads larger than this are allocated (and freed) on their own. */
export const MAX_POOLED_BYTES = 16 * 1024 * 1024;
/** At most this many bytes of idle buffers are kept for reuse. */
export const MAX_IDLE_BYTES = 64 * 1024 * 1024;

/** Overwrite every buffer handed back (TRIBUTARY_POISON_POOLED_BUFFERS=1): a debugging aid, like an allocator's junk fill. */
const POISON = process.env['TRIBUTARY_POISON_POOLED_BUFFERS'] === '1';

/** Idle buffers by size class (a power of two). */
const idle = new Map<number, ArrayBuffer[]>();
let idleBytes = 0;
/** Lent out and not yet handed back; weak, so a buffer that never comes back is simply collected. */
const lent = new WeakSet<ArrayBuffer>();

/** Counters since start (cumulative), for tests and metrics. */
export interface ReadBufferStats {
  /** Pooled-size buffers lent out. */
  lent: number;
  /** Lent buffers that were idle ones reused rather than new allocations. */
  reused: number;
  /** Lent buffers handed back (kept idle or, over the cap, let go). */
  returned: number;
  /** Bytes held idle for reuse now. */
  idleBytes: number;
}

const stats = { lent: 0, reused: 0, returned: 0 };

function sizeClass(len: number): number {
  return 2 ** Math.ceil(Math.log2(len));
}

/** A buffer of exactly `len` bytes, reused from an earlier response when one is idle. */
export function acquireReadBuffer(len: number): Buffer {
  if (len < MIN_POOLED_BYTES || len > MAX_POOLED_BYTES) return Buffer.allocUnsafe(len);
  const cls = sizeClass(len);
  let ab = idle.get(cls)?.pop();
  if (ab !== undefined) {
    idleBytes -= cls;
    stats.reused++;
  } else {
    ab = Buffer.allocUnsafeSlow(cls).buffer as ArrayBuffer;
  }
  stats.lent++;
  lent.add(ab);
  return Buffer.from(ab, 0, len);
}

/**
 * Hands back the pooled buffers among a written response's chunks (any view
 * of one counts); other chunks are ignored, and a buffer handed back twice is
 * taken once.
 */
export function recycleResponseChunks(chunks: readonly Buffer[]): void {
  for (const c of chunks) giveBack(c);
}

/**
 * Hands back a lent buffer that will not be sent after all (a read the caller
 * discards); anything else is ignored. The caller must drop every view of it.
 */
export function releaseReadBuffer(buf: Buffer): void {
  giveBack(buf);
}

function giveBack(view: Buffer): void {
  const ab = view.buffer as ArrayBuffer;
  if (ab.byteLength < MIN_POOLED_BYTES || !lent.delete(ab)) return;
  stats.returned++;
  // A view kept past its hand-back would now read whatever the buffer holds next; poisoned, it reads
  // as garbage at once (the test suite sets this, so a byte-for-byte check fails where one is kept).
  if (POISON) new Uint8Array(ab).fill(0xdb);
  const cls = ab.byteLength;
  if (idleBytes + cls > MAX_IDLE_BYTES) return;
  let list = idle.get(cls);
  if (list === undefined) {
    list = [];
    idle.set(cls, list);
  }
  list.push(ab);
  idleBytes += cls;
}

/** Bytes held idle for reuse (for tests and metrics). */
export function idleReadBufferBytes(): number {
  return idleBytes;
}

export function readBufferStats(): ReadBufferStats {
  return { ...stats, idleBytes };
}
