// confluent-kafka-python (librdkafka) consumer groups across a broker restart
// (compat/python/scenario_groups.py): commit synchronously after K of N records, stop the
// broker (SIGTERM, and SIGKILL), restart it on the same data dir and a new port, and a new
// consumer in the same group must see the committed offsets and get exactly the rest.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, startBrokerProcess, type BrokerProcess } from '../helpers/broker-process.js';
import { describe, lastJson, requirePython, run, uniqueTopic } from './clients.js';

const N = 300;
const K = 100;
const PARTITIONS = 3;
// librdkafka's "no committed offset".
const OFFSET_INVALID = -1001;

interface Rec { p: number; o: number; k: string | null; v: string | null }

/** Record i was produced to partition i % 3, so partition p offset o holds i = o * 3 + p. */
function expectedKey(p: number, o: number): string {
  return `key-${o * PARTITIONS + p}`;
}

async function step(python: string, broker: BrokerProcess, args: string[]): Promise<Record<string, unknown>> {
  const r = await run(python, [join(repoRoot(), 'compat', 'python', 'scenario_groups.py'), ...args,
    '--bootstrap-server', broker.bootstrap, '--timeout', '15'], { timeoutMs: 30_000 });
  const failure = `${describe(`scenario_groups.py ${args[0]}`, r)}\n--- broker ---\n${broker.output().slice(-3000)}`;
  assert.equal(r.code, 0, failure);
  return lastJson(r);
}

async function commitRestartResume(protocol: 'classic' | 'consumer', how: 'stop' | 'kill'): Promise<void> {
  const python = await requirePython();
  const dataDir = mkdtempSync(join(tmpdir(), 'tributary-pygroups-'));
  const topic = uniqueTopic(`py-groups-${protocol}`);
  const group = `${topic}-group`;
  const common = ['--topic', topic, '--partitions', String(PARTITIONS), '--protocol', protocol];
  let broker: BrokerProcess | undefined;
  try {
    broker = await startBrokerProcess({ dataDir, cleanup: false });
    assert.deepEqual(await step(python, broker, ['produce', ...common, '--count', String(N)]), { produced: N });

    const first = await step(python, broker, ['consume-commit', ...common, '--group', group, '--count', String(K)]);
    const firstRecs = first['consumed'] as Rec[];
    const committed = first['committed'] as Record<string, number>;
    assert.equal(firstRecs.length, K);
    // Each partition was read in order from 0, and the commit is last + 1.
    for (let p = 0; p < PARTITIONS; p++) {
      const offs = firstRecs.filter((r) => r.p === p).map((r) => r.o);
      assert.deepEqual(offs, offs.map((_, i) => i), `partition ${p} first read: ${offs.join(',')}`);
      if (offs.length > 0) assert.equal(committed[String(p)], offs.length, `partition ${p} commit`);
    }
    for (const r of firstRecs) assert.equal(r.k, expectedKey(r.p, r.o));
    // The script's small fetches should leave every partition part-read (a stronger resume check).
    assert.equal(Object.keys(committed).length, PARTITIONS, `every partition should be part-read: ${JSON.stringify(committed)}`);
    for (const o of Object.values(committed)) assert.ok(o > 0 && o < N / PARTITIONS, `commit mid-partition: ${JSON.stringify(committed)}`);

    if (how === 'stop') await broker.stop(); else await broker.kill();
    const before = broker;
    broker = await startBrokerProcess({ dataDir, cleanup: false });
    assert.notEqual(broker.port, before.port, 'the restarted broker should listen on a new ephemeral port');

    const second = await step(python, broker, ['resume', ...common, '--group', group, '--count', String(N - K)]);
    const fetched = second['committed'] as Record<string, number>;
    const expectCommitted: Record<string, number> = {};
    for (let p = 0; p < PARTITIONS; p++) expectCommitted[String(p)] = committed[String(p)] ?? OFFSET_INVALID;
    assert.deepEqual(fetched, expectCommitted, 'committed() after the restart');

    const recs = second['consumed'] as Rec[];
    const perPartition = N / PARTITIONS;
    for (let p = 0; p < PARTITIONS; p++) {
      const start = committed[String(p)] ?? 0;
      const offs = recs.filter((r) => r.p === p).map((r) => r.o);
      const want = Array.from({ length: perPartition - start }, (_, i) => start + i);
      assert.deepEqual(offs, want, `partition ${p} after the restart should be exactly ${start}..${perPartition - 1}`);
    }
    assert.equal(recs.length, N - K);
    for (const r of recs) {
      assert.equal(r.k, expectedKey(r.p, r.o));
      assert.equal(r.v, `value-${r.o * PARTITIONS + r.p}`);
    }
  } catch (e) {
    if (broker && e instanceof Error) e.message += `\n--- broker ---\n${broker.output().slice(-3000)}`;
    throw e;
  } finally {
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('classic group: sync commit, SIGTERM restart on a new port, resume from the committed offsets', { timeout: 60_000 }, async () => {
  await commitRestartResume('classic', 'stop');
});

test('KIP-848 group (group.protocol=consumer): sync commit, SIGKILL restart, resume from the committed offsets', { timeout: 60_000 }, async () => {
  await commitRestartResume('consumer', 'kill');
});
