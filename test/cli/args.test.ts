import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine, UsageError } from '../../src/cli/args.js';

function usage(argv: string[], pattern: RegExp): void {
  assert.throws(() => parseCommandLine(argv), (err: unknown) => {
    assert.ok(err instanceof UsageError, String(err));
    assert.match(err.message, pattern);
    return true;
  });
}

test('help and version forms', () => {
  assert.deepEqual(parseCommandLine([]), { kind: 'help' });
  assert.deepEqual(parseCommandLine(['--help']), { kind: 'help' });
  assert.deepEqual(parseCommandLine(['-h']), { kind: 'help' });
  assert.deepEqual(parseCommandLine(['help']), { kind: 'help' });
  assert.deepEqual(parseCommandLine(['help', 'start']), { kind: 'help', topic: 'start' });
  assert.deepEqual(parseCommandLine(['start', '--help']), { kind: 'help', topic: 'start' });
  assert.deepEqual(parseCommandLine(['start', '--kafka-port', '1', '-h']), { kind: 'help', topic: 'start' });
  assert.deepEqual(parseCommandLine(['--version']), { kind: 'version' });
  assert.deepEqual(parseCommandLine(['-V']), { kind: 'version' });
});

test('start with no options', () => {
  assert.deepEqual(parseCommandLine(['start']), { kind: 'start', options: { overrides: [] } });
});

test('start with every option, in both --flag value and --flag=value forms', () => {
  assert.deepEqual(parseCommandLine([
    'start', '--data-dir', '/d', '--kafka-port', '0', '--http-port=8081', '--config', 'server.properties',
    '--override', 'num.partitions=3', '--override=log.retention.hours=1', '--override', 'sasl.jaas.config=a=b',
  ]), {
    kind: 'start',
    options: {
      dataDir: '/d', kafkaPort: 0, httpPort: 8081, configFile: 'server.properties',
      overrides: ['num.partitions=3', 'log.retention.hours=1', 'sasl.jaas.config=a=b'],
    },
  });
  assert.equal((parseCommandLine(['start', '--data-dir=/x']) as { options: { dataDir?: string } }).options.dataDir, '/x');
});

test('usage errors name what is wrong', () => {
  usage(['stat'], /unknown command 'stat'/);
  usage(['--bogus'], /unknown option '--bogus'/);
  usage(['help', 'nope'], /unknown command 'nope'/);
  usage(['start', '--bogus'], /unknown option '--bogus'/);
  usage(['start', '--bogus=1'], /unknown option '--bogus'/);
  usage(['start', '--kafka-port'], /--kafka-port needs a value/);
  usage(['start', '--kafka-port', '--http-port', '1'], /--kafka-port needs a value/);
  usage(['start', '--kafka-port', 'abc'], /--kafka-port must be a port number .* got 'abc'/);
  usage(['start', '--kafka-port', '65536'], /--kafka-port must be a port number/);
  usage(['start', '--http-port=-1'], /--http-port must be a port number/);
  usage(['start', '--override', 'novalue'], /--override needs key=value, got 'novalue'/);
  usage(['start', '--override', '=1'], /--override needs key=value/);
  usage(['start', '--data-dir='], /--data-dir needs a directory/);
  usage(['start', 'server.properties'], /unexpected argument 'server\.properties' \(use --config server\.properties\)/);
});

test('usage errors inside start point at start --help', () => {
  try {
    parseCommandLine(['start', '--nope']);
    assert.fail('expected an error');
  } catch (err) {
    assert.ok(err instanceof UsageError);
    assert.equal(err.command, 'start');
  }
});
