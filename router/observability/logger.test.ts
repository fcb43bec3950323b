import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createLogger, idsOnly, stripEncrypted } from './logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); },
  });
  return { lines, logger: createLogger({ destination, level: 'debug' }) };
}

describe('createLogger', () => {
  it('writes JSON with a level label and redacts secrets', () => {
    const { lines, logger } = capture();
    logger.info({
      req: { headers: { authorization: 'Bearer k-123', 'content-type': 'application/json' } },
      delivery: { webhook: { signingSecret: 'whsec_abc' } },
      partner: { apiKey: 'pk', name: 'acme' },
    }, 'hello');
    expect(lines).toHaveLength(1);
    const line = lines[0] as any;
    expect(line.level).toBe('info');
    expect(line.msg).toBe('hello');
    expect(line.req.headers.authorization).toBe('[redacted]');
    expect(line.req.headers['content-type']).toBe('application/json');
    expect(line.delivery.webhook.signingSecret).toBe('[redacted]');
    expect(line.partner).toEqual({ apiKey: '[redacted]', name: 'acme' });
    expect(JSON.stringify(lines)).not.toMatch(/k-123|whsec_abc/);
  });
});

describe('stripEncrypted', () => {
  it('replaces encrypted fields, nested ones too, without mutating the lead', () => {
    const lead = { email: 'a@b.c', ssn: '123-45-6789', applicant: { dob: '1970-01-01', name: 'Ann' } };
    const out = stripEncrypted(lead, ['ssn', 'applicant.dob', 'missing', 'missing.deep']);
    expect(out).toEqual({ email: 'a@b.c', ssn: '[encrypted]', applicant: { dob: '[encrypted]', name: 'Ann' } });
    expect(lead.ssn).toBe('123-45-6789');
    expect(lead.applicant.dob).toBe('1970-01-01');
  });

  it('leaves non-objects alone and the encrypted value never reaches a log line', () => {
    expect(stripEncrypted('x', ['a'])).toBe('x');
    expect(stripEncrypted({ applicant: 'flat' }, ['applicant.dob'])).toEqual({ applicant: 'flat' });
    const { lines, logger } = capture();
    logger.info({ lead: stripEncrypted({ ssn: '999-99-9999' }, ['ssn']) }, 'lead');
    expect(JSON.stringify(lines)).not.toContain('999-99-9999');
  });
});

describe('createLogger to stdout (one write per event-loop turn)', () => {
  const run = (code: string) =>
    new Promise<{ lines: string[]; code: number | null }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += String(b)));
      child.on('error', reject);
      child.on('close', (exit) => resolve({ lines: out.split('\n').filter(Boolean), code: exit }));
    });
  const logger = JSON.stringify(new URL('./logger.ts', import.meta.url).href);

  it('loses no line when the process exits right after logging', async () => {
    const { lines, code } = await run(`
      import { createLogger } from ${logger};
      const log = createLogger();
      for (let i = 0; i < 500; i++) log.info({ i }, 'line');
      process.exit(3);
    `);
    expect(code).toBe(3);
    expect(lines.map((l) => JSON.parse(l).i)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('writes a line at the end of the event-loop turn, not later', async () => {
    const { lines } = await run(`
      import { createLogger } from ${logger};
      const log = createLogger();
      log.info('first');
      log.info('second');
      // One turn later the lines are out: SIGKILL skips every exit handler.
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 100);
    `);
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['first', 'second']);
  });
});

describe('idsOnly', () => {
  it('writes the same line to the same place, at the logger\'s level, without the redaction walk', () => {
    const { lines, logger } = capture();
    idsOnly(logger, 'info')!.info({ leadId: 'L1', routes: ['p/a'] }, 'lead accepted');
    logger.info({ leadId: 'L1', routes: ['p/a'] }, 'lead accepted');
    const [fast, slow] = lines as Record<string, unknown>[];
    expect({ ...fast, time: 0 }).toEqual({ ...slow, time: 0 });
    expect(fast).toMatchObject({ level: 'info', service: 'leadroute', leadId: 'L1', msg: 'lead accepted' });

    const quiet = createLogger({ destination: new Writable({ write(_c, _e, cb) { cb(); } }), level: 'warn' });
    expect(idsOnly(quiet, 'info')).toBeNull();
  });

  it('falls back to the logger itself when it was not made by createLogger', () => {
    const other = pino({ level: 'info' }, new Writable({ write(_c, _e, cb) { cb(); } }));
    expect(idsOnly(other, 'info')).toBe(other);
  });
});
