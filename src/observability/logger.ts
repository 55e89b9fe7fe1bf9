// A small leveled logger writing one line per event to stderr. The level comes
// from TRIBUTARY_LOG_LEVEL (error, warn, info, debug); the default is info.

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

function levelFromEnv(): LogLevel {
  const value = process.env.TRIBUTARY_LOG_LEVEL?.toLowerCase();
  return value !== undefined && value in ORDER ? (value as LogLevel) : 'info';
}

let threshold = ORDER[levelFromEnv()];

export function setLogLevel(level: LogLevel): void {
  threshold = ORDER[level];
}

export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  enabled(level: LogLevel): boolean;
}

function format(fields: Record<string, unknown> | undefined): string {
  if (fields === undefined) return '';
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    const text = value instanceof Error ? value.message : typeof value === 'string' ? value : JSON.stringify(value);
    out += ` ${key}=${text}`;
  }
  return out;
}

export function createLogger(component: string): Logger {
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] > threshold) return;
    process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} [${component}] ${message}${format(fields)}\n`);
  };
  return {
    error: (m, f) => write('error', m, f),
    warn: (m, f) => write('warn', m, f),
    info: (m, f) => write('info', m, f),
    debug: (m, f) => write('debug', m, f),
    enabled: (level) => ORDER[level] <= threshold,
  };
}
