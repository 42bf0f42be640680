import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs to stdout (or `destination`); fields such as orgId, emailId and workflowId go
 * in the first argument.
 */
export function createLogger(options: { level: string; name?: string; destination?: DestinationStream }): Logger {
  return pino({ level: options.level, name: options.name ?? 'relay', base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, options.destination);
}
