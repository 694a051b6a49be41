/**
 * Security and correctness: the synthesized template passes cfn-lint (AWS's CloudFormation linter: resource
 * properties, IAM policy syntax, ARNs, limits). The default configuration and one with every option are
 * synthesized to a temporary directory and linted.
 *
 * cfn-lint is a Python tool (PyPI `cfn-lint`). Where it is not installed this test is skipped, saying so on the
 * console; CI must have it (see .ci/run).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { DynamicScheduler, SchedulerEngine, ScheduleEventType } from '../../src';

/** `cfn-lint`, or `python3 -m cfnlint` (older releases), whichever answers `--version`. */
function findCfnLint(): string[] | undefined {
  for (const command of [['cfn-lint'], ['python3', '-m', 'cfnlint']]) {
    const probe = spawnSync(command[0], [...command.slice(1), '--version'], { encoding: 'utf8' });
    if (probe.status === 0 && /cfn-lint/i.test(`${probe.stdout}${probe.stderr}`)) return command;
  }
  return undefined;
}

const cfnLint = findCfnLint();
if (!cfnLint) {
  console.warn('cfn-lint is NOT INSTALLED: test/security/cfn-lint.test.ts is skipped. Install it (pip install cfn-lint) to lint the synthesized templates.');
}
const withCfnLint = cfnLint ? test : test.skip;

function synthesize(): string[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-lint-'));
  const app = new App({ outdir });
  new DynamicScheduler(new Stack(app, 'DefaultStack'), 'Scheduler');

  const full = new Stack(app, 'FullStack');
  const scheduler = new DynamicScheduler(full, 'Scheduler', {
    eventBus: new events.EventBus(full, 'Bus'),
    encryptionKey: new kms.Key(full, 'Key', { enableKeyRotation: true }),
    deadLetterQueue: new sqs.Queue(full, 'Dlq', { enforceSSL: true }),
    tracingEnabled: true,
    stateMachineLogLevel: sfn.LogLevel.ALL,
    allowedSources: ['billing', 'reminders'],
  });
  scheduler.addAlarms({ alarmNamePrefix: 'Scheduler-' });
  scheduler.metricTicksEmitted();
  scheduler.onTick('ToQueue', { scheduleIdPrefix: 'invoice:', target: new targets.SqsQueue(new sqs.Queue(full, 'Ticks', { enforceSSL: true })) });
  scheduler.onScheduleEvent('Failures', ScheduleEventType.FAILED);

  // The sharded engine, by default and with every option on.
  new DynamicScheduler(new Stack(app, 'ShardedStack'), 'Scheduler', { engine: SchedulerEngine.sharded() });
  const shardedFull = new Stack(app, 'ShardedFullStack');
  new DynamicScheduler(shardedFull, 'Scheduler', {
    engine: SchedulerEngine.sharded({ shards: 16 }),
    eventBus: new events.EventBus(shardedFull, 'Bus'),
    encryptionKey: new kms.Key(shardedFull, 'Key', { enableKeyRotation: true }),
    deadLetterQueue: new sqs.Queue(shardedFull, 'Dlq', { enforceSSL: true }),
    tracingEnabled: true,
    stateMachineLogLevel: sfn.LogLevel.ALL,
    allowedSources: ['billing', 'reminders'],
  });

  const assembly = app.synth();
  return assembly.stacks.map((stack) => path.join(assembly.directory, stack.templateFile));
}

withCfnLint('the synthesized templates (default, and every option on, on both engines) pass cfn-lint with no error or warning', () => {
  const templates = synthesize();
  expect(templates).toHaveLength(4);
  const [command, ...args] = cfnLint!;
  // W3005 ("dependency already enforced by a GetAtt") is ignored, and only it: CDK itself adds a DependsOn on a
  // function's or a state machine's role next to the GetAtt of that role, for every Lambda function and state machine.
  // Exit code: a bit mask, 2 = error, 4 = warning, 8 = informational (cfn-lint 1.x).
  const result = spawnSync(command, [...args, '--format', 'parseable', '--ignore-checks', 'W3005', '--', ...templates], { encoding: 'utf8' });
  const findings = `${result.stdout}${result.stderr}`.trim();
  expect({ exit: result.status, findings }).toEqual({ exit: 0, findings: '' });
}, 120_000);
