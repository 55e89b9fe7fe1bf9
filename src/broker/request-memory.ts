// queued.max.request.bytes: a broker-wide budget for request bytes read and not
// yet handed to their handlers (frames being read, and frames a connection holds
// back at queued.max.requests). As with Kafka's memory pool for network
// receives, a frame is admitted while any budget is left, so one frame may take
// it below zero (and a frame larger than the whole budget still gets through);
// once it is spent, connections stop reading until handled frames give their
// bytes back, and are woken in the order they began waiting.

export class RequestMemory {
  private available: number;
  private readonly waiting: (() => void)[] = [];

  /** `capacity` <= 0: no budget (Kafka's default, -1). */
  constructor(readonly capacity: number) {
    this.available = capacity;
  }

  get unlimited(): boolean {
    return this.capacity <= 0;
  }

  /** Bytes left (negative when the last frame admitted overdrew it); Infinity without a budget. */
  get availableBytes(): number {
    return this.unlimited ? Infinity : this.available;
  }

  /** Takes `bytes` if any budget is left; false means wait (waitForRoom) and try again. */
  tryReserve(bytes: number): boolean {
    if (this.unlimited) return true;
    if (this.available <= 0) return false;
    this.available -= bytes;
    return true;
  }

  release(bytes: number): void {
    if (this.unlimited || bytes === 0) return;
    this.available += bytes;
    // Each woken connection may take budget again (or find itself closed and take none).
    while (this.available > 0 && this.waiting.length > 0) this.waiting.shift()!();
  }

  /** Calls `wake` once some budget is back. */
  waitForRoom(wake: () => void): void {
    this.waiting.push(wake);
  }
}

/** No budget: what a connection gets when none is configured. */
export const UNLIMITED_REQUEST_MEMORY = new RequestMemory(-1);
