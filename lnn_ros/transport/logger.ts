/** Node loggers in the rcutils format: `[LEVEL] [stamp] [node]: message`, to stderr by default. */
import { Logger } from './types';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogSink = (level: LogLevel, node: string, message: string) => void;

const ORDER: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function stderrSink(minimum: LogLevel = 'info'): LogSink {
  return (level, node, message) => {
    if (ORDER.indexOf(level) < ORDER.indexOf(minimum)) return;
    process.stderr.write(`[${level.toUpperCase()}] [${(Date.now() / 1000).toFixed(3)}] [${node}]: ${message}\n`);
  };
}

export function makeLogger(node: string, sink: LogSink): Logger {
  return {
    debug: (m) => sink('debug', node, m),
    info: (m) => sink('info', node, m),
    warn: (m) => sink('warn', node, m),
    error: (m) => sink('error', node, m),
  };
}
