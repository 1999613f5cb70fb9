import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import pino from 'pino';
import { kafkaLogLevel, pinoLogCreator } from './logging';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

describe('kafkajs logs through pino', () => {
  it('maps the pino level to the kafkajs level that lets the same lines through', () => {
    expect(kafkaLogLevel(pino({ level: 'silent' }))).toBe(logLevel.NOTHING);
    expect(kafkaLogLevel(pino({ level: 'error' }))).toBe(logLevel.ERROR);
    expect(kafkaLogLevel(pino({ level: 'warn' }))).toBe(logLevel.WARN);
    expect(kafkaLogLevel(pino({ level: 'info' }))).toBe(logLevel.INFO);
    expect(kafkaLogLevel(pino({ level: 'trace' }))).toBe(logLevel.DEBUG);
  });

  it('writes one JSON line per entry with namespace and extra fields, without kafkajs timestamps', async () => {
    const { logger, lines } = capture('debug');
    const log = pinoLogCreator(logger)(logLevel.DEBUG);
    log({
      namespace: 'Consumer',
      level: logLevel.INFO,
      label: 'INFO',
      log: { timestamp: 'x', message: 'Starting', groupId: 'g1' },
    });
    log({
      namespace: 'Runner',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: { timestamp: 'x', message: 'crashed', error: 'boom' },
    });
    log({
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: { timestamp: 'x', message: 'Response Heartbeat', error: 'rebalancing' },
    });
    await new Promise((r) => setImmediate(r));
    expect(
      lines.map((l) => [l['level'], l['component'], l['namespace'], l['msg'], l['timestamp']]),
    ).toEqual([
      [30, 'kafkajs', 'Consumer', 'Starting', undefined],
      [50, 'kafkajs', 'Runner', 'crashed', undefined],
      [40, 'kafkajs', 'Connection', 'Response Heartbeat', undefined], // raw broker responses: warn
    ]);
    expect(lines[0]!['groupId']).toBe('g1');
  });
});
