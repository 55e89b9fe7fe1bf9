import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LogConfig } from '../../src/storage/types.js';

export function logConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return {
    segmentBytes: 1024 * 1024 * 1024,
    segmentMs: 7 * 24 * 3600 * 1000,
    retentionMs: 7 * 24 * 3600 * 1000,
    retentionBytes: -1,
    flushMessages: Number.MAX_SAFE_INTEGER,
    flushMs: Number.MAX_SAFE_INTEGER,
    maxMessageBytes: 1024 * 1024 + 12,
    indexIntervalBytes: 4096,
    segmentIndexBytes: 10 * 1024 * 1024,
    messageTimestampType: 'CreateTime',
    cleanupPolicy: ['delete'],
    fileDeleteDelayMs: 0,
    compressionType: 'producer',
    compressionGzipLevel: -1,
    compressionZstdLevel: 3,
    deleteRetentionMs: 86_400_000,
    minCleanableDirtyRatio: 0.5,
    minCompactionLagMs: 0,
    maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
    ...overrides,
  };
}

export function tempDir(prefix = 'tributary-storage-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
