/**
 * `cdk-dynamic-scheduler`, the package's command line (bundled into assets/cli/preview/index.js, its `bin`).
 *
 *   cdk-dynamic-scheduler preview --cron '0 9 * * MON-FRI' --timezone Europe/Rome --count 5
 *
 * `preview` validates a schedule with the start handler's rules and prints its next fire times the way the
 * state machine would plan them, or the errors a `Schedule Start` with these fields would be rejected with
 * (exit code 2). Nothing here talks to AWS.
 */
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { parseInstant } from '../lambda/domain/instant';
import { computePlan } from '../lambda/domain/machine-state';
import { parseStartDetail } from '../lambda/domain/schedule-spec';
import { formatErrors } from '../lambda/domain/validation-message';
import { Cursor, DETAIL_TYPE, PLAN_ACTION, TickItem } from '../src/contract';

/** Exit code of an invalid schedule or a usage error. */
export const EXIT_INVALID = 2;

/** Most fire times one preview prints. */
export const MAX_COUNT = 1_000;

const DEFAULT_COUNT = 10;

const USAGE = `Usage: cdk-dynamic-scheduler preview <timing> [options]

Prints the next fire times of a schedule, validated with the same rules as a "Schedule Start" event.

Timing (exactly one):
  --cron <expr>           5- or 6-field cron, or AWS cron(...), e.g. '0 9 * * MON-FRI'
  --every <interval>      a fixed interval, e.g. 30s, 5m, 1h30m, PT5M
  --duration <interval>   one tick once this much time has passed
  --at <instant>          one tick at an ISO-8601 instant with an offset, e.g. 2026-12-24T18:00:00+01:00

Options:
  --timezone <zone>       IANA time zone for cron and for the local times shown (default UTC)
  --limit <n>             at most n ticks (cron and every only)
  --start-at <instant>    no tick before this instant
  --end-at <instant>      no tick after this instant
  --id <id>               the schedule id to validate (default "preview")
  --count <n>             how many fire times to print, 1 to ${MAX_COUNT} (default ${DEFAULT_COUNT})
  --now <instant>         preview as if the Start arrived at this instant (default: now)
  --json                  print JSON instead of text
  -h, --help              show this help

Exit codes: 0 valid, 2 invalid schedule or usage error.`;

/** Where the CLI writes; injectable for tests. */
export interface CliOutput {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Runs the command line `argv` (without `node` and the script) and returns the exit code. */
export function main(argv: readonly string[], output: CliOutput, clock: () => Date = () => new Date()): number {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    output.err(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return EXIT_INVALID;
  }
  const { positionals, values } = parsed;
  if (values.help) {
    output.out(USAGE);
    return 0;
  }
  const [command, ...extra] = positionals;
  if (command !== 'preview' || extra.length > 0) {
    const problem = command === undefined ? 'No command given' : command !== 'preview' ? `Unknown command "${command}"` : `Unexpected argument "${extra[0]}"`;
    output.err(`${problem}\n\n${USAGE}`);
    return EXIT_INVALID;
  }

  const count = values.count === undefined ? DEFAULT_COUNT : Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    output.err(`--count must be a whole number from 1 to ${MAX_COUNT}; received "${values.count}"`);
    return EXIT_INVALID;
  }
  let now = clock();
  if (values.now !== undefined) {
    const instant = parseInstant(values.now);
    if (!instant.ok) {
      output.err(`--now ${instant.message}`);
      return EXIT_INVALID;
    }
    now = new Date(instant.ms);
  }

  const result = parseStartDetail(startDetail(values), now);
  if (!result.ok) {
    output.err(formatErrors(DETAIL_TYPE.START, result.errors));
    return EXIT_INVALID;
  }
  const { id, spec } = result;
  const preview = previewTicks(id, result.spec, now, count);
  const local = (iso: string) => DateTime.fromISO(iso, { zone: spec.timezone }).toFormat('ccc yyyy-LL-dd HH:mm:ss ZZ');

  if (values.json) {
    output.out(JSON.stringify({
      id,
      kind: spec.kind,
      expression: spec.expression,
      timezone: spec.timezone,
      now: now.toISOString(),
      ticks: preview.ticks.map((tick) => ({ ...tick, local: local(tick.scheduledAt) })),
      ...(preview.completed ? { completed: { ticks: preview.completed.ticks, reason: preview.completed.reason } } : {}),
    }, undefined, 2));
    return 0;
  }
  const lines = [
    `${spec.kind} ${JSON.stringify(spec.expression)} in ${spec.timezone}, starting ${now.toISOString()}: `
    + `${preview.ticks.length === count ? `next ${count}` : `all ${preview.ticks.length}`} fire time${preview.ticks.length === 1 ? '' : 's'}`,
    ...preview.ticks.map((tick) => `${String(tick.sequence).padStart(5)}  ${tick.scheduledAt}  ${local(tick.scheduledAt)}`),
  ];
  if (preview.completed) lines.push(`then the schedule completes (${COMPLETION[preview.completed.reason]})`);
  output.out(lines.join('\n'));
  return 0;
}

const COMPLETION: Record<string, string> = {
  limit: 'limit reached',
  end: 'no occurrence before endAt',
  once: 'a one-time schedule fires once',
};

/** The first `count` ticks of a run accepted at `now`, planned batch by batch like the state machine does. */
function previewTicks(id: string, spec: Parameters<typeof computePlan>[0]['spec'], now: Date, count: number) {
  const ticks: TickItem[] = [];
  let cursor: Cursor = { sequence: 0, after: now.toISOString(), executionTicks: 0 };
  const noDeadline = new Date(8.64e15);
  while (ticks.length < count) {
    const plan = computePlan({ id, runId: 'preview', spec }, cursor, now, noDeadline);
    if (plan.action !== PLAN_ACTION.EMIT || !plan.ticks?.length) {
      return { ticks, completed: plan.completed };
    }
    ticks.push(...plan.ticks.slice(0, count - ticks.length));
    const last = plan.ticks[plan.ticks.length - 1];
    cursor = { sequence: last.sequence, after: last.scheduledAt, executionTicks: cursor.executionTicks + plan.ticks.length };
  }
  // A final tick marked `last` means the run completes right after it.
  const final = ticks[ticks.length - 1];
  if (final?.last) {
    const plan = computePlan({ id, runId: 'preview', spec }, { sequence: final.sequence, after: final.scheduledAt, executionTicks: 0 }, now, noDeadline);
    return { ticks, completed: plan.completed };
  }
  return { ticks, completed: undefined };
}

function parseCommandLine(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      'cron': { type: 'string' },
      'every': { type: 'string' },
      'duration': { type: 'string' },
      'at': { type: 'string' },
      'limit': { type: 'string' },
      'timezone': { type: 'string' },
      'start-at': { type: 'string' },
      'end-at': { type: 'string' },
      'id': { type: 'string' },
      'count': { type: 'string' },
      'now': { type: 'string' },
      'json': { type: 'boolean' },
      'help': { type: 'boolean', short: 'h' },
    },
  });
}

/** The `Schedule Start` detail the flags stand for; only the flags given become fields. */
function startDetail(values: ReturnType<typeof parseCommandLine>['values']): Record<string, unknown> {
  const detail: Record<string, unknown> = { id: values.id ?? 'preview' };
  const fields: Array<[string, string | undefined]> = [
    ['cron', values.cron],
    ['every', values.every],
    ['duration', values.duration],
    ['at', values.at],
    ['limit', values.limit],
    ['timezone', values.timezone],
    ['startAt', values['start-at']],
    ['endAt', values['end-at']],
  ];
  for (const [field, value] of fields) {
    if (value === undefined) continue;
    // In an event, limit is a JSON number; a flag that is not a number is passed on as text so the
    // message says what was received.
    detail[field] = field === 'limit' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return detail;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2), {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  });
}
