import { pino, type Logger } from 'pino';

// The process's structured log: one JSON object per line on stdout (pino), at LOG_LEVEL (default
// "info"; "silent" turns it off). Request-scoped lines come from `log.child({ requestId })`.

export const log: Logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { pid: process.pid },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type { Logger };
