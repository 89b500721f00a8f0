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

function linesAt(level: 'warn' | 'debug', log: LogEntry, quiet = false): Array<Record<string, unknown>> {
  const lines: string[] = [];
  logKafka(createLogger({ level, write: (line) => lines.push(line) }), log, quiet);
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

  it('logs everything at debug when quiet: a client being closed retrying a broker that is down', () => {
    const log = entry('BrokerPool', logLevel.ERROR, 'Failed to connect to seed broker, trying another broker');
    expect(linesAt('warn', log, true)).toEqual([]);
    expect(linesAt('debug', log, true)).toEqual([
      expect.objectContaining({ level: 'debug', msg: 'Failed to connect to seed broker, trying another broker' }),
    ]);
    expect(linesAt('warn', entry('Consumer', logLevel.WARN, 'slow'), true)).toEqual([]);
  });
});
