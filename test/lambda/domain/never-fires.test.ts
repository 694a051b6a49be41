import { parseCron } from '../../../lambda/domain/cron';
import { CRON_HORIZON, neverFires } from '../../../lambda/domain/never-fires';
import { ScheduleSpec } from '../../../src/contract';

const NOW = new Date('2026-06-01T12:00:00.000Z');

function cronSpec(expression: string, timezone = 'UTC', extra: Partial<ScheduleSpec> = {}): ScheduleSpec {
  const parsed = parseCron(expression);
  if (!parsed.ok) throw new Error(parsed.message);
  return { kind: 'cron', expression, cron: parsed.cron, ...(parsed.years ? { years: parsed.years } : {}), timezone, ...extra };
}

describe('a cron never fires only when it has no fire time before 2200', () => {
  test('the horizon is the end of 2199, the last year an AWS cron() may name', () => {
    expect(CRON_HORIZON.getUTCFullYear()).toBe(2200);
  });

  test.each([
    // The fifth Tuesday of February: next in 2056 after 2028.
    ['cron(*/10 15-19 ? 2 3#5 *)', 'UTC', new Date('2028-03-01T00:00:00Z')],
    ['cron(0 0 1 1 ? 2199)', 'America/New_York', NOW],
    ['cron(0 0 29 2 ? 2196)', 'Europe/Rome', NOW],
    ['0 0 29 2 1', 'UTC', NOW],
    ['0 0 */7 2 1#5', 'Asia/Kolkata', NOW],
  ])('%j in %s is accepted', (expression, timezone, now) => {
    expect(neverFires(cronSpec(expression, timezone), now)).toBeUndefined();
  });

  test.each([
    ['cron(0 0 29 2 ? 2027)', /^cron "cron\(0 0 29 2 \? 2027\)" would never fire: it has no occurrence after now \(2026-06-01T12:00:00\.000Z\) in the years it allows \(2027\) before 2200 \(evaluated in UTC\)$/],
    ['cron(0 0 29 2 ? 2100)', /in the years it allows \(2100\) before 2200/],
    ['cron(0 0 1 1 ? 2020-2025)', /in the years it allows \(2020, 2021, 2022, 2023, 2024, 2025\)/],
    ['cron(0 0 31W 4,6,9,11 ? *)', /^cron "cron\(0 0 31W 4,6,9,11 \? \*\)" would never fire/],
  ])('%j is refused', (expression, message) => {
    expect(neverFires(cronSpec(expression), NOW)).toMatch(message);
  });

  test('the search reaches 2199 in zones with daylight saving time', () => {
    expect(neverFires(cronSpec('cron(0 0 29 2 ? 2197)', 'America/New_York'), NOW)).toMatch(/would never fire/);
    expect(neverFires(cronSpec('cron(0 0 1 1 ? 2199)', 'Australia/Lord_Howe'), NOW)).toBeUndefined();
  });
});
