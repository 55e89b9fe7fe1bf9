// Producer ids for idempotent and transactional producers (InitProducerId).
// Ids are handed out from blocks whose end is persisted before use, so a
// restart never reissues one. When a block cannot be persisted (a full disk)
// no id is handed out: InitProducerId answers COORDINATOR_LOAD_IN_PROGRESS,
// which is what Kafka's ProducerIdManager answers while it has no block, and
// clients retry it; the next request tries to reserve the block again.

import { MetadataWriteError } from '../storage/metadata-write-error.js';

export const PRODUCER_ID_BLOCK_SIZE = 1000;

export interface ProducerIdAllocator {
  /** The next producer id, or null when no block of ids could be made durable (retriable). */
  next(): number | null;
}

export class BlockProducerIdAllocator implements ProducerIdAllocator {
  private nextId: number;
  private blockEnd: number;

  /**
   * @param firstUnreserved the first id no earlier run may have used (persisted block end)
   * @param reserve persists a new block end before any id below it is handed out; throws
   *   MetadataWriteError when it cannot
   */
  constructor(firstUnreserved: number, private readonly reserve: (blockEnd: number) => void) {
    this.nextId = firstUnreserved;
    this.blockEnd = firstUnreserved;
  }

  next(): number | null {
    if (this.nextId >= this.blockEnd) {
      const end = this.nextId + PRODUCER_ID_BLOCK_SIZE;
      try {
        this.reserve(end);
      } catch (err) {
        // The block is not durable: ids from it could be handed out again after a restart.
        if (err instanceof MetadataWriteError) return null;
        throw err;
      }
      this.blockEnd = end;
    }
    return this.nextId++;
  }
}
