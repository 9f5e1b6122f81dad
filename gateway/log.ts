// Namespaced pino loggers. The only place that decides where log lines go; nothing else
// in gateway/ writes to the console.
import { pino, type Logger } from 'pino';

export type { Logger };

const level =
  process.env.GB_LOG_LEVEL ?? process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info');

/** Redaction keeps secrets out of logs wherever a caller passes them by accident. */
const root: Logger = pino({
  level,
  base: undefined,
  redact: {
    paths: [
      'password',
      '*.password',
      'authorization',
      '*.authorization',
      'token',
      '*.token',
      'apiToken',
      '*.apiToken',
      // Webhook HMAC secrets (docs/events.md §5).
      'secret',
      '*.secret',
    ],
    censor: '[redacted]',
  },
});

export function createLogger(name: string): Logger {
  return root.child({ name });
}

export function setLogLevel(newLevel: string): void {
  root.level = newLevel;
}
