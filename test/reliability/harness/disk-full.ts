// A full disk: the broker's data directory on a size-limited tmpfs (needs
// root, or CAP_SYS_ADMIN, to mount; without, every write of the broker fails
// with an injected ENOSPC once it has stored as much, enospc-preload.ts). Producers write until the space is gone;
// then every produce must get an error code (KAFKA_STORAGE_ERROR, as Kafka
// answers) rather than a dropped connection or a dead broker; everything
// acknowledged before must read back byte for byte with valid CRCs; once space
// returns (the tmpfs is grown) produces succeed again at the next offset, and
// a SIGKILL + restart after all that loses nothing acknowledged.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ApiKey, ErrorCode } from '../../../src/protocol/generated/index.js';
import { buildRecordBatch } from '../../../src/protocol/records/batch-builder.js';
import { LOG_OVERHEAD, computeBatchCrc, readBatchHeader } from '../../../src/protocol/records/batch.js';
import { startBrokerProcess, type BrokerProcess } from '../../helpers/broker-process.js';
import { WireClient } from '../../helpers/wire-client.js';
import { brokerServes, errorLines } from './live-fuzz.js';

/** Where the broker's data goes, and how the disk gets full and gets room again. */
export interface FullDisk {
  kind: 'tmpfs' | 'injected ENOSPC';
  dir: string;
  /** Environment for the broker process (the ENOSPC preload when injecting). */
  env: NodeJS.ProcessEnv;
  /** Whether the producers fill it themselves (tmpfs) or fill() must be called. */
  fillsByItself: boolean;
  fill(): void;
  makeRoom(): void;
  release(): void;
}

/** A tmpfs of `megabytes`; throws with the reason when this process may not mount. */
export function mountTmpfs(megabytes: number): FullDisk {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`cannot mount a size-limited tmpfs (root or CAP_SYS_ADMIN is needed): ${stderr || (err as Error).message}`);
  }
  return {
    kind: 'tmpfs', dir, env: {}, fillsByItself: true,
    fill: () => {},
    makeRoom: () => { execFileSync('mount', ['-o', `remount,size=${megabytes * 4}m`, dir], { stdio: 'pipe' }); },
    release: () => {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A plain directory whose broker fails every write with ENOSPC while a flag file exists (enospc-preload.ts). */
export function injectedEnospc(): FullDisk {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-full-'));
  const flagFile = join(dir, 'disk-is-full');
  const preload = pathToFileURL(fileURLToPath(new URL('./enospc-preload.js', import.meta.url))).href;
  return {
    kind: 'injected ENOSPC', dir, fillsByItself: false,
    env: { NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --import ${preload}`.trim(), TRIBUTARY_TEST_ENOSPC_FLAG: flagFile },
    fill: () => writeFileSync(flagFile, ''),
    makeRoom: () => rmSync(flagFile, { force: true }),
    release: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface DiskFullResult {
  /** tmpfs when one could be mounted, else injected ENOSPC (and why). */
  mode: string;
  tmpfsMiB: number;
  acknowledgedBatches: number;
  acknowledgedBytes: number;
  /** Error codes answered to produces once the disk was full, by name. */
  errorsWhileFull: Record<string, number>;
  closedWhileFull: number;
  /** What other writes answered while full (commit, topic creation). */
  offsetCommitWhileFull: string;
  createTopicWhileFull: string;
  /** Exit code of a SIGTERM stop on the full disk (0: clean). */
  stopWhileFullExitCode: number | null;
  restartWhileFullMs: number;
  producedAfterSpaceReturned: number;
  restartAfterKillMs: number;
  failures: string[];
}

const TOPIC = 'disk-full';
const PARTITIONS = 2;
const BATCH_VALUE_BYTES = 48 * 1024;

interface Acked {
  partition: number;
  offset: number;
  /** The stored batch minus base offset and leader epoch (both outside the CRC and rewritten by the broker). */
  payload: Buffer;
}

function batchPayload(stored: Buffer): Buffer {
  return stored.subarray(17);
}

async function produceOne(c: WireClient, partition: number, seq: number): Promise<{ errorCode: number; baseOffset: number; batch: Buffer }> {
  const batch = buildRecordBatch([{ key: Buffer.from(`k${seq}`), value: Buffer.alloc(BATCH_VALUE_BYTES, seq % 251) }], 1_700_000_000_000 + seq);
  const res = await c.request(ApiKey.Produce, 9, { acks: -1, timeoutMs: 10_000, transactionalId: null, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records: batch }] }] });
  const p = res.responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: Number(p.baseOffset), batch };
}

/** Reads back every acknowledged batch: same bytes past the offset/epoch, valid CRC, no gaps or garbage between. */
async function verifyAcked(b: BrokerProcess, acked: readonly Acked[], failures: string[], when: string): Promise<void> {
  const c = await WireClient.connect(b.host, b.port);
  try {
    for (let p = 0; p < PARTITIONS; p++) {
      const expected = acked.filter((a) => a.partition === p);
      const found = new Map<number, Buffer>();
      let offset = 0;
      for (;;) {
        const res = await c.request(ApiKey.Fetch, 12, {
          replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 16 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
          topics: [{ topic: TOPIC, partitions: [{ partition: p, fetchOffset: offset, partitionMaxBytes: 16 << 20, currentLeaderEpoch: -1, logStartOffset: -1 }] }],
        });
        const part = res.responses[0]!.partitions[0]!;
        if (part.errorCode !== ErrorCode.NONE) { failures.push(`${when}: fetch ${TOPIC}-${p} at ${offset}: ${ErrorCode[part.errorCode]}`); break; }
        const buf = part.records ?? Buffer.alloc(0);
        let pos = 0;
        while (buf.length - pos >= 61) {
          const h = readBatchHeader(buf, pos);
          const size = h.batchLength + LOG_OVERHEAD;
          if (pos + size > buf.length) break;
          if (h.baseOffset !== offset) failures.push(`${when}: ${TOPIC}-${p}: batch at ${h.baseOffset} where ${offset} was expected`);
          if (computeBatchCrc(buf, pos, size) !== h.crc) failures.push(`${when}: ${TOPIC}-${p}: bad CRC at offset ${h.baseOffset}`);
          found.set(h.baseOffset, Buffer.from(batchPayload(buf.subarray(pos, pos + size))));
          offset = h.baseOffset + h.lastOffsetDelta + 1;
          pos += size;
        }
        if (offset >= Number(part.highWatermark) || pos === 0) break;
      }
      for (const a of expected) {
        const got = found.get(a.offset);
        if (got === undefined || !got.equals(a.payload)) failures.push(`${when}: acknowledged batch ${TOPIC}-${p}@${a.offset} ${got === undefined ? 'is missing' : 'differs'}`);
      }
      if (found.size !== expected.length) failures.push(`${when}: ${TOPIC}-${p} holds ${found.size} batches, ${expected.length} were acknowledged`);
    }
  } finally {
    c.close();
  }
}

export async function runDiskFull(megabytes = 16, forceInjected = false): Promise<DiskFullResult> {
  let mount: FullDisk;
  let mode = 'tmpfs';
  try {
    if (forceInjected) throw new Error('injection asked for');
    mount = mountTmpfs(megabytes);
  } catch (err) {
    mount = injectedEnospc();
    mode = `injected ENOSPC (${(err as Error).message})`;
  }
  const result: DiskFullResult = {
    mode, tmpfsMiB: megabytes, acknowledgedBatches: 0, acknowledgedBytes: 0, errorsWhileFull: {}, closedWhileFull: 0,
    offsetCommitWhileFull: '', createTopicWhileFull: '', stopWhileFullExitCode: null, restartWhileFullMs: 0, producedAfterSpaceReturned: 0, restartAfterKillMs: 0, failures: [],
  };
  const dataDir = join(mount.dir, 'data');
  let b: BrokerProcess | null = null;
  try {
    b = await startBrokerProcess({ dataDir, env: mount.env, args: ['--override', 'log.segment.bytes=4194304'] });
    let c = await WireClient.connect(b.host, b.port);
    const created = await c.request(ApiKey.CreateTopics, 7, { topics: [{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }], timeoutMs: 5000 });
    if (created.topics[0]!.errorCode !== ErrorCode.NONE) throw new Error(`create ${TOPIC}: ${created.topics[0]!.errorMessage}`);
    const acked: Acked[] = [];
    let seq = 0;
    let consecutiveErrors = 0;
    // Fill the disk: produce until the broker has refused 20 in a row.
    while (consecutiveErrors < 20 && seq < 10_000) {
      const partition = seq % PARTITIONS;
      let r;
      try {
        r = await produceOne(c, partition, seq++);
      } catch {
        result.closedWhileFull++;
        c.close();
        c = await WireClient.connect(b.host, b.port);
        consecutiveErrors++;
        continue;
      }
      // Injected: the disk is "full" after a good start (as much as a 16 MiB tmpfs holds).
      if (!mount.fillsByItself && acked.length === 300) mount.fill();
      if (r.errorCode === ErrorCode.NONE) {
        if (consecutiveErrors > 0) result.failures.push('a produce succeeded between refusals while the disk was full');
        acked.push({ partition, offset: r.baseOffset, payload: Buffer.from(batchPayload(r.batch)) });
        result.acknowledgedBytes += r.batch.length;
      } else {
        consecutiveErrors++;
        const name = ErrorCode[r.errorCode] ?? String(r.errorCode);
        result.errorsWhileFull[name] = (result.errorsWhileFull[name] ?? 0) + 1;
      }
    }
    result.acknowledgedBatches = acked.length;
    if (consecutiveErrors < 20) result.failures.push(`the disk never filled (${seq} batches)`);
    if (result.closedWhileFull > 0) result.failures.push(`${result.closedWhileFull} produces on a full disk lost their connection instead of an error code`);
    for (const name of Object.keys(result.errorsWhileFull)) {
      if (name !== 'KAFKA_STORAGE_ERROR') result.failures.push(`a produce on a full disk got ${name}, Kafka answers KAFKA_STORAGE_ERROR`);
    }

    // Other writers while full: an offset commit and a topic creation answer, and the broker lives.
    try {
      const commit = await c.request(ApiKey.OffsetCommit, 8, {
        groupId: 'disk-full-group', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null,
        topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: '' }] }],
      }) as { topics: { partitions: { errorCode: number }[] }[] };
      result.offsetCommitWhileFull = ErrorCode[commit.topics[0]!.partitions[0]!.errorCode] ?? '?';
    } catch (err) {
      result.offsetCommitWhileFull = `connection lost (${(err as Error).message})`;
      c.close();
      c = await WireClient.connect(b.host, b.port);
    }
    try {
      const t = await c.request(ApiKey.CreateTopics, 7, { topics: [{ name: 'created-while-full', numPartitions: 1, replicationFactor: 1 }], timeoutMs: 5000 });
      result.createTopicWhileFull = ErrorCode[t.topics[0]!.errorCode] ?? '?';
    } catch (err) {
      result.createTopicWhileFull = `connection lost (${(err as Error).message})`;
      c.close();
      c = await WireClient.connect(b.host, b.port);
    }
    if (b.process!.exitCode !== null || b.process!.signalCode !== null) throw new Error(`the broker died on a full disk:\n${b.output().slice(-3000)}`);
    const health = await brokerServes(b.host, b.port);
    if (health !== null) result.failures.push(`on a full disk: ${health}`);
    await verifyAcked(b, acked, result.failures, 'while full');

    // An operator restarting the broker on the full disk: it stops, starts again and serves what it has.
    c.close();
    result.stopWhileFullExitCode = await b.stop();
    const t1 = Date.now();
    try {
      b = await startBrokerProcess({ dataDir, env: mount.env });
      result.restartWhileFullMs = Date.now() - t1;
    } catch (err) {
      result.failures.push(`the broker does not start on a full disk: ${(err as Error).message.slice(0, 2000)}`);
      mount.makeRoom();
      b = await startBrokerProcess({ dataDir, env: mount.env });
    }
    await verifyAcked(b, acked, result.failures, 'restarted while full');
    c = await WireClient.connect(b.host, b.port);

    // Space returns: produces succeed again, at the offsets right after the acknowledged ones.
    if (result.restartWhileFullMs > 0) mount.makeRoom();
    for (let i = 0; i < 10; i++) {
      const partition = seq % PARTITIONS;
      const r = await produceOne(c, partition, seq++);
      if (r.errorCode !== ErrorCode.NONE) {
        result.failures.push(`after space returned a produce got ${ErrorCode[r.errorCode]}`);
        continue;
      }
      const previous = acked.filter((a) => a.partition === partition).at(-1);
      if (previous !== undefined && r.baseOffset !== previous.offset + 1) {
        result.failures.push(`after space returned ${TOPIC}-${partition} continued at ${r.baseOffset}, not ${previous.offset + 1}`);
      }
      acked.push({ partition, offset: r.baseOffset, payload: Buffer.from(batchPayload(r.batch)) });
      result.producedAfterSpaceReturned++;
    }
    c.close();
    await verifyAcked(b, acked, result.failures, 'after space returned');

    // And a crash after all that loses nothing.
    const errorsBefore = errorLines(b.output());
    await b.kill();
    const t0 = Date.now();
    b = await startBrokerProcess({ dataDir, env: mount.env });
    result.restartAfterKillMs = Date.now() - t0;
    await verifyAcked(b, acked, result.failures, 'after SIGKILL and restart');
    // ERROR lines are expected while full (failed appends are logged as errors); none after.
    const after = errorLines(b.output());
    if (after.length > 0) result.failures.push(...after.slice(0, 3).map((e) => `after restart: ${e}`));
    void errorsBefore;
  } finally {
    await b?.kill();
    mount.release();
  }
  return result;
}
