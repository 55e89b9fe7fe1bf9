// Help texts and the version, read from the package's package.json.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN_HELP = `Usage: tributary <command> [options]

Tributary: a Kafka-compatible event streaming platform.

Commands:
  start             Start the embedded platform (Kafka listener, HTTP server)
  service-accounts  Create, list or delete service accounts of a running platform
  api-keys          Create, list or delete API keys (SASL/PLAIN credentials)
  help [start]      Show this help, or the help of a command

Options:
  -h, --help     Show help
  -V, --version  Show the version

Run 'tributary start --help' for the options of start.
`;

export const START_HELP = `Usage: tributary start [options]

Start the embedded platform: the Kafka protocol listener, the HTTP server and
the local log. Once it accepts connections it prints one line saying where it
listens; SIGTERM or SIGINT stops it cleanly.

Options:
  --data-dir DIR          Data directory (log.dirs; default ./data)
  --kafka-port N          A single PLAINTEXT://127.0.0.1:N listener (default 9092; 0 picks a free port)
  --http-port N           HTTP port (http.port; default 8080; 0 picks a free port)
  --config FILE           A Kafka server.properties file (Kafka's property names)
  --override KEY=VALUE    Set a property; repeatable, also --override=KEY=VALUE
  -h, --help              Show this help

Precedence: defaults < --config file < --override < --data-dir/--kafka-port/--http-port.

Examples:
  tributary start
  tributary start --data-dir /var/lib/tributary --kafka-port 9092
  tributary start --config config/server.properties --override log.retention.hours=24
`;

/** The version from the nearest package.json named tributary, above this module (src/ or dist/src/). */
export function readVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'tributary' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here; keep looking upwards
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return 'unknown';
}
