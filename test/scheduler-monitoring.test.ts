import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DynamicScheduler } from '../src';

function scheduler(withBus = true) {
  const stack = new Stack(new App(), 'TestStack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const eventBus = withBus ? new events.EventBus(stack, 'Bus', { eventBusName: 'app-bus' }) : undefined;
  return { stack, scheduler: new DynamicScheduler(stack, 'Scheduler', { eventBus, tickSource: 'com.ticks' }) };
}

/** The alarm's template properties for a metric, so Template assertions can read the metric. */
function alarmOn(stack: Stack, metric: cloudwatch.Metric) {
  metric.createAlarm(stack, 'Probe', { threshold: 1, evaluationPeriods: 1 });
  const alarms = Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm');
  return Object.entries(alarms).find(([logicalId]) => logicalId.startsWith('Probe'))![1].Properties;
}

describe('metricTicksEmitted', () => {
  test('adds one target-less rule matching this scheduler\'s ticks', () => {
    const { stack, scheduler: s } = scheduler();
    s.metricTicksEmitted();
    s.metricTicksEmitted({ period: Duration.hours(1) });

    const template = Template.fromStack(stack);
    const tickRules = template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { 'source': ['com.ticks'], 'detail-type': ['Schedule Tick'] } },
    });
    expect(Object.keys(tickRules)).toHaveLength(1);
    const [rule] = Object.values(tickRules) as any[];
    expect(rule.Properties.Targets).toBeUndefined();
    expect(rule.Properties.EventBusName).toEqual({ Ref: expect.stringMatching(/^Bus/) });
  });

  test('is the MatchedEvents sum of that rule, with the bus dimension on a custom bus', () => {
    const { stack, scheduler: s } = scheduler();
    const alarm = alarmOn(stack, s.metricTicksEmitted());

    expect(alarm).toMatchObject({ Namespace: 'AWS/Events', MetricName: 'MatchedEvents', Statistic: 'Sum', Period: 300 });
    expect(alarm.Dimensions).toEqual([
      { Name: 'EventBusName', Value: { Ref: expect.stringMatching(/^Bus/) } },
      { Name: 'RuleName', Value: { Ref: expect.stringMatching(/^SchedulerTickMetricRule/) } },
    ]);
  });

  test('has only the RuleName dimension on the default bus, as EventBridge reports it there', () => {
    const { stack, scheduler: s } = scheduler(false);
    const alarm = alarmOn(stack, s.metricTicksEmitted());

    expect(alarm.Dimensions).toEqual([{ Name: 'RuleName', Value: { Ref: expect.stringMatching(/^SchedulerTickMetricRule/) } }]);
  });

  test('metric options override the defaults', () => {
    const { stack, scheduler: s } = scheduler();
    const alarm = alarmOn(stack, s.metricTicksEmitted({ period: Duration.hours(1), statistic: 'SampleCount' }));

    expect(alarm).toMatchObject({ Period: 3600, Statistic: 'SampleCount' });
  });
});

describe('addAlarms', () => {
  test('creates an alarm on failed executions of the state machine', () => {
    const { stack, scheduler: s } = scheduler();
    s.addAlarms();

    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: Match.stringLikeRegexp('^SchedulerStateMachine') } }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  test('creates an alarm on messages in the dead-letter queue', () => {
    const { stack, scheduler: s } = scheduler();
    s.addAlarms();

    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulerDeadLetterQueue'), 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  test('returns the two alarms it created and nothing else', () => {
    const { stack, scheduler: s } = scheduler();
    const alarms = s.addAlarms();

    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 2);
    expect(alarms.executionsFailed.node.id).toBe('ExecutionsFailedAlarm');
    expect(alarms.deadLetteredEvents.node.id).toBe('DeadLetteredEventsAlarm');
  });

  test('thresholds, period, evaluation periods, names and actions apply to the alarms', () => {
    const { stack, scheduler: s } = scheduler();
    const topic = new sns.Topic(stack, 'Pager');
    s.addAlarms({
      executionsFailedThreshold: 3,
      deadLetteredEventsThreshold: 10,
      period: Duration.minutes(1),
      evaluationPeriods: 2,
      alarmNamePrefix: 'billing-scheduler-',
      alarmActions: [new actions.SnsAction(topic)],
    });

    const template = Template.fromStack(stack);
    const common = { Period: 60, EvaluationPeriods: 2, AlarmActions: [{ Ref: Match.stringLikeRegexp('^Pager') }] };
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { ...common, AlarmName: 'billing-scheduler-ExecutionsFailed', Threshold: 3 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { ...common, AlarmName: 'billing-scheduler-DeadLetteredEvents', Threshold: 10 });
  });

  test('is not created unless asked for', () => {
    const { stack } = scheduler();
    Template.fromStack(stack).resourceCountIs('AWS::CloudWatch::Alarm', 0);
  });

  test('a second call is refused with a message saying what to do', () => {
    const { scheduler: s } = scheduler();
    s.addAlarms();
    expect(() => s.addAlarms()).toThrow('addAlarms() was already called on TestStack/Scheduler; call it once and use the alarms it returned');
  });
});
