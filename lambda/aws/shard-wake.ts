import { startExecution } from './executions';
import { log } from './handler-config';
import { bumpEpoch, ShardState } from './shard-table';
import { SupervisorState } from '../../src/contract';
import { supervisorName } from '../domain/shards';

/**
 * Wake a shard: move it to a new epoch (which fences out every older supervisor and window at their next step) and
 * start that epoch's supervisor, which plans at once. Called by the start handler (a schedule due before the shard's
 * next plan) and the keeper (a shard missing, silent, or failed), with the shard `state` they read **after** their
 * own writes.
 *
 * When another waker moved the epoch first, this one does nothing: that move came after our read, so after our
 * writes, and the supervisor it starts plans with them in view. (Retrying from the newer epoch would fence that
 * supervisor and start another: a burst of Starts into a new shard would start one supervisor per Start.) A crash
 * between the move and the start leaves a shard with no supervisor, which the keeper wakes again within 90 s.
 *
 * Returns the new epoch, or undefined when another waker got there first.
 */
export async function wakeShard(args: {
  shardTableName: string; supervisorArn: string; shard: number; now: Date; state: ShardState | undefined; reason: string;
}): Promise<number | undefined> {
  const { shardTableName, supervisorArn, shard, now } = args;
  const epoch = await bumpEpoch(shardTableName, shard, args.state?.epoch, now);
  if (epoch === undefined) {
    log('INFO', 'Another waker woke the shard first', { shard, seenEpoch: args.state?.epoch, reason: args.reason });
    return undefined;
  }
  const input: SupervisorState = { shard, epoch, generation: 0, plans: 0 };
  await startExecution(supervisorArn, supervisorName(shard, epoch, 0), input);
  log('INFO', 'Woke a shard', { shard, epoch, reason: args.reason });
  return epoch;
}
