import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * The one logger shared by Fastify, Bolt and the jobs. Secrets are redacted wherever they may
 * appear in logged objects (tokens, signatures, cookies).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'handoff' },
      redact: {
        paths: [
          'token',
          '*.token',
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-slack-signature"]',
          'headers.authorization',
          'botToken',
          'signingSecret',
          'apiKey',
          'secret',
          '*.secret',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
