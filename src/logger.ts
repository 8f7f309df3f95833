import { pino, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type { Logger };

/** Where log lines go; `isTTY` (as on process.stdout) says a person is reading it. */
export type LogDestination = pino.DestinationStream & { isTTY?: boolean };

export interface LoggerOptions {
  /** Human-readable lines instead of JSON. Default: when the destination (stdout by default) is a terminal. */
  pretty?: boolean;
}

/**
 * The one logger shared by Fastify, Bolt and the jobs. Secrets are redacted wherever they may
 * appear in logged objects (tokens, signatures, cookies).
 *
 * On a terminal the lines are made readable by pino-pretty; anywhere else (a pipe, a file, a log
 * collector) they stay JSON, one object a line. Prettifying runs in the write call itself, not in a
 * worker thread: lines come out in order, none is lost at exit, and it works under tsx. Redaction
 * happens before, so pretty lines hide the same secrets.
 */
export function createLogger(level: string, destination?: LogDestination, options: LoggerOptions = {}): Logger {
  const pretty = options.pretty ?? Boolean((destination ?? process.stdout).isTTY);
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
    pretty ? prettyDestination(destination) : (destination ?? stdoutDestination()),
  );
}

/**
 * Standard output, written synchronously. Not pino's default (an asynchronous SonicBoom that
 * flushes synchronously at process exit): once nobody reads the pipe that flush gets EPIPE and
 * retries forever, so `process.exit` never returns and SIGTERM cannot stop the process. A
 * synchronous write fails at once instead, and pino then drops every later line (its EPIPE filter):
 * a closed log pipe costs the logs, never the process.
 */
function stdoutDestination(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: true });
}

/**
 * Nobody reading stdout or stderr any more (a log shipper that died, `| head` that has finished) is
 * no reason to crash or hang: EPIPE on them is ignored, as pino ignores it on its own stream.
 */
export function ignoreBrokenPipes(...streams: NodeJS.WritableStream[]): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}

/** Writes each JSON line as `[12:34:56.789] INFO (component): message` and the other fields below it. */
function prettyDestination(destination: LogDestination | undefined): pino.DestinationStream {
  const out = destination ?? stdoutDestination();
  const prettify = prettyFactory({
    // Colours only on the real terminal, and only where it takes them (NO_COLOR, TERM=dumb).
    colorize: destination === undefined && process.stdout.isTTY === true && process.stdout.hasColors(),
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,app,component',
    messageFormat: (log, messageKey) => `${log.component ? `(${String(log.component)}) ` : ''}${String(log[messageKey] ?? '')}`,
  });
  return { write: (line: string) => void out.write(prettify(line)) };
}
