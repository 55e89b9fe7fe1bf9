// Producer ids for idempotent producers (InitProducerId). Ids are handed out
// from blocks whose end is persisted before use, so a restart never reissues one.

export const PRODUCER_ID_BLOCK_SIZE = 1000;

export interface ProducerIdAllocator {
  next(): number;
}

export class BlockProducerIdAllocator implements ProducerIdAllocator {
  private nextId: number;
  private blockEnd: number;

  /**
   * @param firstUnreserved the first id no earlier run may have used (persisted block end)
   * @param reserve persists a new block end before any id below it is handed out
   */
  constructor(firstUnreserved: number, private readonly reserve: (blockEnd: number) => void) {
    this.nextId = firstUnreserved;
    this.blockEnd = firstUnreserved;
  }

  next(): number {
    if (this.nextId >= this.blockEnd) {
      this.blockEnd = this.nextId + PRODUCER_ID_BLOCK_SIZE;
      this.reserve(this.blockEnd);
    }
    return this.nextId++;
  }
}
