// Loaded into a broker process with `node --import` when no size-limited
// filesystem can be mounted (harness/disk-full.ts): while the file named by
// TRIBUTARY_TEST_ENOSPC_FLAG exists, every write the storage layer makes fails
// with ENOSPC, as on a full disk. Named ESM imports of node:fs see the patched
// functions through syncBuiltinESMExports.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const flag = process.env['TRIBUTARY_TEST_ENOSPC_FLAG'];

function full(): boolean {
  return flag !== undefined && fs.existsSync(flag);
}

function enospc(syscall: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOSPC: no space left on device, ${syscall}`);
  err.code = 'ENOSPC';
  err.errno = -28;
  err.syscall = syscall;
  return err;
}

function guard<A extends unknown[], R>(name: string, original: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    if (full()) throw enospc(name);
    return original(...args);
  };
}

if (flag !== undefined) {
  fs.writeSync = guard('write', fs.writeSync) as typeof fs.writeSync;
  fs.writevSync = guard('writev', fs.writevSync);
  fs.writeFileSync = guard('open', fs.writeFileSync);
  fs.appendFileSync = guard('open', fs.appendFileSync);
  syncBuiltinESMExports();
}
