/** The benchmark's one table: rows of cells, padded to the widest cell of each column. */

export interface Row {
  readonly figure: string;
  readonly workload?: string;
  /** Our per-schedule engine (the default); for bundles, synth and cron speed: the library. */
  readonly ours?: string;
  readonly sharded?: string;
  readonly naive?: string;
  readonly ratio?: string;
  readonly ebScheduler?: string;
  readonly target?: string;
  readonly result?: string;
}

const COLUMNS: [keyof Row, string][] = [
  ['figure', 'figure'],
  ['workload', 'workload'],
  ['ours', 'per-schedule'],
  ['sharded', 'sharded'],
  ['naive', 'naive (seed)'],
  ['ratio', 'ratio'],
  ['ebScheduler', 'EB Scheduler'],
  ['target', 'target'],
  ['result', 'result'],
];

const NUMERIC = new Set<keyof Row>(['ours', 'sharded', 'naive', 'ratio', 'ebScheduler']);

/** A row whose figure spans the table: a section heading. */
export function section(title: string): Row {
  return { figure: `## ${title}` };
}

export function renderTable(rows: readonly Row[]): string {
  const widths = COLUMNS.map(([key, title]) =>
    Math.max(title.length, ...rows.filter((r) => !r.figure.startsWith('## ')).map((r) => (r[key] ?? '').length)));
  const line = (cells: string[]) => cells.join(' | ').trimEnd();
  const out: string[] = [];
  out.push(line(COLUMNS.map(([, title], i) => title.padEnd(widths[i]))));
  out.push(widths.map((w) => '-'.repeat(w)).join('-+-'));
  for (const row of rows) {
    if (row.figure.startsWith('## ')) {
      out.push(row.figure.slice(3));
      continue;
    }
    out.push(line(COLUMNS.map(([key], i) => {
      const cell = row[key] ?? '';
      return NUMERIC.has(key) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]);
    })));
  }
  return out.join('\n');
}

export function fixed(n: number | undefined, digits: number): string {
  if (n === undefined || !Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function times(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return 'n/a';
  return `${n < 0.1 ? n.toFixed(4) : n < 10 ? n.toFixed(3) : n.toFixed(1)}x`;
}

export function usd(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return 'n/a';
  return `$${n < 0.1 ? n.toFixed(4) : n.toFixed(2)}`;
}
