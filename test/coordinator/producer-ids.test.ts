// Producer id blocks: an id is handed out only from a block whose end was made
// durable first; when that fails (a full disk) the allocator hands out nothing
// (InitProducerId answers COORDINATOR_LOAD_IN_PROGRESS) and tries again next time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BlockProducerIdAllocator, PRODUCER_ID_BLOCK_SIZE } from '../../src/coordinator/producer-ids.js';
import { MetadataWriteError } from '../../src/storage/metadata-write-error.js';

test('a block that cannot be reserved hands out no id; the ids continue where they were once it can', () => {
  let durableEnd = 5000;
  let diskFull = false;
  const ids = new BlockProducerIdAllocator(durableEnd, (end) => {
    if (diskFull) throw new MetadataWriteError(new Error('ENOSPC: no space left on device, write'));
    durableEnd = end;
  });
  assert.equal(ids.next(), 5000);
  assert.equal(durableEnd, 5000 + PRODUCER_ID_BLOCK_SIZE);
  // Use up the block, then fill the disk.
  for (let i = 1; i < PRODUCER_ID_BLOCK_SIZE; i++) assert.equal(ids.next(), 5000 + i);
  diskFull = true;
  assert.equal(ids.next(), null);
  assert.equal(ids.next(), null, 'still nothing: the failed block was not taken as reserved');
  assert.equal(durableEnd, 6000);
  diskFull = false;
  assert.equal(ids.next(), 6000, 'no id was skipped or handed out from the unreserved block');
  assert.equal(durableEnd, 6000 + PRODUCER_ID_BLOCK_SIZE);
});

test('an error other than a failed metadata write is a bug and is thrown', () => {
  const ids = new BlockProducerIdAllocator(0, () => { throw new TypeError('boom'); });
  assert.throws(() => ids.next(), TypeError);
});
