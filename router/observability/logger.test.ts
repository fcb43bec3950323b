import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createLogger, idsOnly, prettyDestination, stripEncrypted } from './logger.ts';

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
    const [fast, slow] = lines;
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

describe('log format', () => {
  it('a terminal gets readable lines (pino-pretty), with secrets still redacted', () => {
    let text = '';
    const destination = new Writable({ write(chunk, _enc, cb) { text += String(chunk); cb(); } });
    const logger = createLogger({ destination: prettyDestination(destination) });
    logger.info({ leadId: '01ABC', headers: { authorization: 'Bearer k-123' } }, 'lead accepted');
    expect(text).toMatch(/INFO.*lead accepted/);
    expect(text).toContain('01ABC');
    expect(text).not.toContain('k-123');
    expect(text.trimStart().startsWith('{')).toBe(false);
  });

  it('npm start in a terminal prints readable logs; piped, it prints JSON', async () => {
    const run = (tty: boolean) => new Promise<string>((resolve, reject) => {
      const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', REDIS_URL: '', LOG_LEVEL: 'info' };
      const cmd = 'node --import tsx router/main.ts';
      // `script` gives the router a pseudo-terminal as stdout, as a shell would.
      const child = tty
        ? spawn('script', ['-qfec', cmd, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
        : spawn('node', ['--import', 'tsx', 'router/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no "listening" line: ${out}`)); }, 15_000);
      child.stdout.on('data', (d) => {
        out += String(d);
        if (out.includes('listening')) {
          clearTimeout(timer);
          child.kill('SIGTERM');
          child.once('exit', () => resolve(out));
        }
      });
    });
    const pretty = await run(true);
    const line = pretty.split(/\r?\n/).find((l) => l.includes('listening'))!;
    expect(line).toMatch(/INFO/);
    expect(line.trimStart().startsWith('{')).toBe(false);
    const json = await run(false);
    const parsed = JSON.parse(json.split('\n').find((l) => l.includes('listening'))!) as { msg: string; level: string };
    expect(parsed).toMatchObject({ msg: 'listening', level: 'info' });
  });
});
