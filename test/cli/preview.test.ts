import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScheduleEvents } from '../../src';

const ROOT = path.join(__dirname, '..', '..');
/** The package's bin, as package.json names it: the bundle the package ships, not the sources. */
const BIN = path.join(ROOT, JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).bin['cdk-dynamic-scheduler']);

beforeAll(() => {
  if (!fs.existsSync(BIN)) throw new Error(`The CLI bundle is missing at ${BIN}; run "npx projen bundle" first (npm test does)`);
});

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'Asia/Tokyo' } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('preview prints the next fire times', () => {
  test('a weekday cron in Europe/Rome keeps 09:00 local across the switch to summer time', () => {
    const { code, stdout, stderr } = cli('preview', '--cron', '0 9 * * MON-FRI', '--timezone', 'Europe/Rome', '--count', '5', '--now', '2026-03-27T00:00:00Z');

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout.trimEnd().split('\n')).toEqual([
      'cron "0 9 * * MON-FRI" in Europe/Rome, starting 2026-03-27T00:00:00.000Z: next 5 fire times',
      '    1  2026-03-27T08:00:00.000Z  Fri 2026-03-27 09:00:00 +01:00',
      '    2  2026-03-30T07:00:00.000Z  Mon 2026-03-30 09:00:00 +02:00',
      '    3  2026-03-31T07:00:00.000Z  Tue 2026-03-31 09:00:00 +02:00',
      '    4  2026-04-01T07:00:00.000Z  Wed 2026-04-01 09:00:00 +02:00',
      '    5  2026-04-02T07:00:00.000Z  Thu 2026-04-02 09:00:00 +02:00',
    ]);
  });

  test('an interval with a limit stops at the limit and says the schedule completes', () => {
    const { code, stdout } = cli('preview', '--every', '90m', '--limit', '3', '--count', '10', '--now', '2026-01-01T00:00:00Z');

    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toEqual([
      'every "90m" in UTC, starting 2026-01-01T00:00:00.000Z: all 3 fire times',
      '    1  2026-01-01T01:30:00.000Z  Thu 2026-01-01 01:30:00 +00:00',
      '    2  2026-01-01T03:00:00.000Z  Thu 2026-01-01 03:00:00 +00:00',
      '    3  2026-01-01T04:30:00.000Z  Thu 2026-01-01 04:30:00 +00:00',
      'then the schedule completes (limit reached)',
    ]);
  });

  test('startAt and endAt bound the ticks', () => {
    const { code, stdout } = cli('preview', '--every', '1h', '--start-at', '2026-05-01T10:00:00+02:00', '--end-at', '2026-05-01T10:30:00Z', '--now', '2026-05-01T00:00:00Z', '--json');

    expect(code).toBe(0);
    const preview = JSON.parse(stdout);
    expect(preview.ticks.map((t: { scheduledAt: string }) => t.scheduledAt)).toEqual(['2026-05-01T08:00:00.000Z', '2026-05-01T09:00:00.000Z', '2026-05-01T10:00:00.000Z']);
    expect(preview.completed).toEqual({ ticks: 3, reason: 'end' });
  });

  test('a one-time instant fires once', () => {
    const { code, stdout } = cli('preview', '--at', '2026-12-24T18:00:00+01:00', '--now', '2026-12-01T00:00:00Z', '--json');

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      id: 'preview',
      kind: 'at',
      expression: '2026-12-24T18:00:00+01:00',
      timezone: 'UTC',
      now: '2026-12-01T00:00:00.000Z',
      ticks: [{ sequence: 1, scheduledAt: '2026-12-24T17:00:00.000Z', last: true, local: 'Thu 2026-12-24 17:00:00 +00:00' }],
      completed: { ticks: 1, reason: 'once' },
    });
  });

  test('a duration fires once, that long after now', () => {
    const { code, stdout } = cli('preview', '--duration', 'PT1H30M', '--now', '2026-06-01T12:00:00Z', '--json');

    expect(code).toBe(0);
    expect(JSON.parse(stdout).ticks.map((t: { scheduledAt: string }) => t.scheduledAt)).toEqual(['2026-06-01T13:30:00.000Z']);
  });

  test('--count defaults to 10', () => {
    const { stdout } = cli('preview', '--every', '5m', '--now', '2026-01-01T00:00:00Z', '--json');
    expect(JSON.parse(stdout).ticks).toHaveLength(10);
  });
});

describe('preview refuses what a Start would be refused for, with exit code 2', () => {
  test('one problem: the start handler\'s message, on stderr', () => {
    const { code, stdout, stderr } = cli('preview', '--duration', '5');

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd()).toBe('Invalid Schedule Start: duration "5" has no unit; write e.g. "5m" or "PT5M"');
  });

  test('several problems are all listed, in the same words as ScheduleEvents.start', () => {
    const { code, stderr } = cli('preview', '--every', '5M', '--limit', '0', '--timezone', 'Mars/Olympus', '--now', '2026-11-22T10:00:00Z');

    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe('Invalid Schedule Start, 3 problems:');
    jest.useFakeTimers({ now: new Date('2026-11-22T10:00:00Z') });
    try {
      expect(() => ScheduleEvents.start({ id: 'preview', every: '5M', limit: 0, timezone: 'Mars/Olympus' })).toThrow(stderr.trimEnd());
    } finally {
      jest.useRealTimers();
    }
  });

  test('an instant in the past of --now is refused', () => {
    const { code, stderr } = cli('preview', '--at', '2026-01-01T00:00:00Z', '--now', '2026-06-01T00:00:00Z');

    expect(code).toBe(2);
    expect(stderr).toMatch(/^Invalid Schedule Start: at "2026-01-01T00:00:00Z" is not in the future \(now is 2026-06-01T00:00:00.000Z\)/);
  });

  test('a limit that is not a number is reported as received', () => {
    const { code, stderr } = cli('preview', '--every', '5m', '--limit', 'ten');

    expect(code).toBe(2);
    expect(stderr.trimEnd()).toBe('Invalid Schedule Start: limit must be a whole number from 1 to 1000000000; received "ten" (a string)');
  });

  test('no timing flag is refused with the examples a Start rejection gives', () => {
    const { code, stderr } = cli('preview');

    expect(code).toBe(2);
    expect(stderr).toMatch(/^Invalid Schedule Start: one of cron, every, duration, at is required/);
  });
});

describe('usage', () => {
  test.each([
    ['no command', [], /^No command given\n\nUsage: cdk-dynamic-scheduler preview/],
    ['an unknown command', ['run'], /^Unknown command "run"\n\nUsage:/],
    ['an unknown flag', ['preview', '--cron', '* * * * *', '--colour', 'red'], /^Unknown option '--colour'/],
    ['a flag without its value', ['preview', '--cron'], /^Option '--cron <value>' argument missing/],
    ['a count out of range', ['preview', '--every', '5m', '--count', '0'], /^--count must be a whole number from 1 to 1000; received "0"/],
    ['an invalid --now', ['preview', '--every', '5m', '--now', '2026-01-01'], /^--now "2026-01-01" is a date without a time and offset/],
  ])('%s is a usage error (exit code 2)', (_name, args, message) => {
    const { code, stdout, stderr } = cli(...(args as string[]));

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });

  test('--help prints the usage on stdout and exits 0', () => {
    const { code, stdout } = cli('--help');

    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: cdk-dynamic-scheduler preview <timing> \[options\]/);
    for (const flag of ['--cron', '--every', '--duration', '--at', '--limit', '--timezone', '--start-at', '--end-at', '--count', '--now', '--json']) {
      expect(stdout).toContain(`  ${flag} `);
    }
  });
});

describe('the bin', () => {
  test('is an executable bundle with a node shebang, runnable without node on the command line', () => {
    expect(fs.readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(() => fs.accessSync(BIN, fs.constants.X_OK)).not.toThrow();

    const result = spawnSync(BIN, ['preview', '--every', '1m', '--count', '1', '--now', '2026-01-01T00:00:00Z'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('2026-01-01T00:01:00.000Z');
  });
});
