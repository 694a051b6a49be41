import { startExecution } from './executions';
import { log } from './handler-config';
import { bumpEpoch, getShardState, ShardState } from './shard-table';
import { SupervisorState } from '../../src/contract';
import { supervisorName } from '../domain/shards';

/** Attempts to move a shard to a new epoch when other wakers keep getting there first. */
const WAKE_ATTEMPTS = 5;

/**
 * Wake a shard: move it to a new epoch (which fences out every older supervisor and window at their next step) and
 * start that epoch's supervisor, which plans at once. Called by the start handler (a schedule due before the shard's
 * next plan) and the keeper (a shard missing, silent, or failed). Every waker bumps the epoch itself, after its own
 * writes, so the supervisor it starts plans with them in view. A crash between the bump and the start leaves a
 * shard with no supervisor, which the keeper wakes again within 90 s.
 */
export async function wakeShard(args: {
  shardTableName: string; supervisorArn: string; shard: number; now: Date; known?: { state: ShardState | undefined }; reason: string;
}): Promise<number> {
  const { shardTableName, supervisorArn, shard, now } = args;
  for (let attempt = 0; attempt < WAKE_ATTEMPTS; attempt++) {
    const state = attempt === 0 && args.known ? args.known.state : await getShardState(shardTableName, shard);
    const epoch = await bumpEpoch(shardTableName, shard, state?.epoch, now);
    if (epoch === undefined) continue;
    const input: SupervisorState = { shard, epoch, generation: 0, plans: 0 };
    await startExecution(supervisorArn, supervisorName(shard, epoch, 0), input);
    log('INFO', 'Woke a shard', { shard, epoch, reason: args.reason });
    return epoch;
  }
  throw new Error(`Could not move shard ${shard} to a new epoch after ${WAKE_ATTEMPTS} attempts (other wakers kept moving it)`);
}
