/**
 * The emitter's CPU time per tick (issue 11: "the emitter's measured CPU time per tick", for the 20,000 ticks/s
 * arithmetic in docs/sharded-engine.md). The shipped shard function bundle emits a second of `ticks` due entries
 * (80-byte payloads inline) in a fresh process, against a fake DynamoDB and EventBridge in another process that
 * answer at once: the CPU the emitter's process spends (process.cpuUsage: the handler, JSON, the SDK's
 * serialization, SigV4 signing and HTTP) is what a Lambda environment would spend, on this machine's CPU.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as path from 'path';

export interface EmitterCpuResult {
  readonly ticksPerEmit: number;
  readonly emits: number;
  /** User plus system CPU (process.cpuUsage) per tick: what the benchmark prices. */
  readonly cpuMicrosPerTick: number;
  /**
   * User CPU only. System time here is mostly the socket writes of the HTTP calls, which this sandbox makes slow
   * (a syscall costs far more than on a Lambda microVM): the truth on Lambda lies between the two.
   */
  readonly userMicrosPerTick: number;
  readonly wallMsPerEmit: number;
  /** Ticks one fully busy vCPU emits per second at this CPU cost. */
  readonly ticksPerCpuSecond: number;
}

const HERE = __dirname;
const TS_NODE = ['-r', 'ts-node/register/transpile-only'];

function startServer(ticks: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...TS_NODE, path.join(HERE, 'fake-aws-server.ts')], {
    env: { ...process.env, TICKS: String(ticks) }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (data) => resolve({ child, port: Number(String(data).trim()) }));
  });
}

export async function measureEmitterCpu(ticks = 1_000, emits = 20): Promise<EmitterCpuResult> {
  const { child, port } = await startServer(ticks);
  try {
    const endpoint = `http://127.0.0.1:${port}`;
    const run = spawnSync(process.execPath, [...TS_NODE, path.join(HERE, 'emitter-child.ts')], {
      encoding: 'utf8',
      env: {
        ...process.env,
        TICKS: String(ticks),
        ROUNDS: String(emits),
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        SCHEDULER_TABLE_NAME: 'schedules',
        SCHEDULER_EVENT_BUS_NAME: 'bus',
        SCHEDULER_TICK_SOURCE: 'com.bench',
        SCHEDULER_ENGINE: 'SHARDED',
        SCHEDULER_SHARDS: '4',
        SCHEDULER_SHARD_TABLE_NAME: 'shards',
      },
    });
    if (run.status !== 0) throw new Error(`The emitter measurement failed: ${run.stderr}`);
    const last = run.stdout.trim().split('\n').pop()!;
    const measured = JSON.parse(last) as { cpuMicros: number; userMicros: number; wallMs: number; ticks: number };
    const { cpuMicros, userMicros, wallMs, ticks: total } = measured;
    const cpuMicrosPerTick = cpuMicros / total;
    return {
      ticksPerEmit: ticks,
      emits,
      cpuMicrosPerTick,
      userMicrosPerTick: userMicros / total,
      wallMsPerEmit: wallMs / emits,
      ticksPerCpuSecond: 1e6 / cpuMicrosPerTick,
    };
  } finally {
    child.kill();
  }
}
