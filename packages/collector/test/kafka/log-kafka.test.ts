import { createLogger } from '@vigil/core';
import { logLevel, type LogEntry } from 'kafkajs';
import { logKafka } from '../../src/kafka/kafka-source';

function entry(namespace: string, level: logLevel, message: string): LogEntry {
  return {
    namespace,
    level,
    label: logLevel[level],
    log: { timestamp: '2026-12-06T05:00:00.000Z', logger: 'kafkajs', message, error: 'x' },
  };
}

function linesAt(level: 'warn' | 'debug', log: LogEntry): Array<Record<string, unknown>> {
  const lines: string[] = [];
  logKafka(createLogger({ level, write: (line) => lines.push(line) }), log);
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('logKafka', () => {
  it('logs a broker error response at debug: its caller retries it or fails with its own error', () => {
    const log = entry('Connection', logLevel.ERROR, 'Response GroupCoordinator(key: 10, version: 2)');
    expect(linesAt('warn', log)).toEqual([]);
    expect(linesAt('debug', log)).toEqual([
      expect.objectContaining({ level: 'debug', msg: 'Response GroupCoordinator(key: 10, version: 2)', error: 'x' }),
    ]);
  });

  it('keeps other errors and warnings at their level', () => {
    expect(linesAt('warn', entry('Consumer', logLevel.ERROR, 'Crash: something'))).toEqual([
      expect.objectContaining({ level: 'error', msg: 'Crash: something' }),
    ]);
    expect(linesAt('warn', entry('Connection', logLevel.ERROR, 'Connection error: ECONNREFUSED'))).toEqual([
      expect.objectContaining({ level: 'error' }),
    ]);
    expect(linesAt('warn', entry('Connection', logLevel.WARN, 'Response soon'))).toEqual([]);
    expect(linesAt('warn', entry('Runner', logLevel.WARN, 'slow'))).toEqual([
      expect.objectContaining({ level: 'warn' }),
    ]);
  });
});
