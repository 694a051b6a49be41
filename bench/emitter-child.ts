/**
 * Run in a fresh process by emitter-cpu.ts: loads the shipped shard function bundle, points its SDK clients at the
 * fake endpoint (fake-aws-server.ts, another process), and times `emit` of a second holding TICKS due entries,
 * ROUNDS times after a warm-up. Prints `{ cpuMicros, userMicros, wallMs, ticks }` of the measured rounds on its last line.
 */
import * as path from 'path';

async function main(): Promise<void> {
  const rounds = Number(process.env.ROUNDS ?? '20');
  const ticks = Number(process.env.TICKS ?? '1000');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require(path.resolve(__dirname, '..', 'assets', 'lambda', 'handlers', 'shard', 'index.js'));
  const console = globalThis.console;
  const quiet = { log() {}, warn() {}, error: console.error };
  const emit = () => {
    const second = Math.floor(Date.now() / 1000);
    return handler({ op: 'emit', window: { shard: 0, epoch: 3, seconds: [second], at: new Date(second * 1000).toISOString(), more: true } });
  };
  Object.assign(globalThis.console, quiet);
  for (let i = 0; i < 5; i++) await emit();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) await emit();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ cpuMicros: cpu.user + cpu.system, userMicros: cpu.user, wallMs, ticks: rounds * ticks })}\n`);
}

main().catch((error) => {
  process.stderr.write(String(error?.stack ?? error));
  process.exit(1);
});
