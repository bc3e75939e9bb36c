import type { LogLevel } from './env';

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, extra?: Record<string, unknown>): void;
  info(msg: string, extra?: Record<string, unknown>): void;
  warn(msg: string, extra?: Record<string, unknown>): void;
  error(msg: string, extra?: Record<string, unknown>): void;
}

/** A plain line logger: time, level, component, message, then key=value pairs. */
export function createLogger(component: string, level: LogLevel): Logger {
  const min = order[level];
  const write = (lvl: LogLevel, msg: string, extra?: Record<string, unknown>) => {
    if (order[lvl] < min) return;
    const kv = extra
      ? ' ' +
        Object.entries(extra)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v ?? null)}`)
          .join(' ')
      : '';
    const line = `${new Date().toISOString()} ${lvl.padEnd(5)} [${component}] ${msg}${kv}`;
    (lvl === 'error' || lvl === 'warn' ? process.stderr : process.stdout).write(line + '\n');
  };
  return {
    debug: (m, e) => write('debug', m, e),
    info: (m, e) => write('info', m, e),
    warn: (m, e) => write('warn', m, e),
    error: (m, e) => write('error', m, e),
  };
}
