/**
 * The naive design (the seed design) as a real CDK stack, the benchmark's baseline: a `Schedule Start` rule starts
 * a start function; every tick is its own Standard execution, `WaitForTick → EmitTick (events:putEvents) → Advance
 * (Lambda)`, and the Advance function reads and writes the schedule's DynamoDB item and starts the next execution.
 */
import * as path from 'path';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/** `source` of the baseline's tick events. */
export const BASELINE_TICK_SOURCE = 'com.baseline';

const STATE_MACHINE_NAME = 'BaselineTicks';

export class BaselineStack extends Stack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const code = lambda.Code.fromAsset(path.join(__dirname, 'baseline-handler'));
    const functionProps = {
      runtime: lambda.Runtime.NODEJS_20_X,
      code,
      memorySize: 128,
      timeout: Duration.seconds(30),
    };
    const tickFunction = new lambda.Function(this, 'TickFunction', {
      ...functionProps,
      handler: 'index.tick',
      environment: { TABLE_NAME: table.tableName },
    });

    const bus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    const waitForTick = new sfn.Wait(this, 'WaitForTick', { time: sfn.WaitTime.timestampPath('$.scheduledAt') });
    const emitTick = new tasks.EventBridgePutEvents(this, 'EmitTick', {
      entries: [{ eventBus: bus, source: BASELINE_TICK_SOURCE, detailType: 'Schedule Tick', detail: sfn.TaskInput.fromJsonPathAt('$') }],
      resultPath: sfn.JsonPath.DISCARD,
    });
    const advance = new tasks.LambdaInvoke(this, 'Advance', {
      lambdaFunction: tickFunction,
      payloadResponseOnly: true,
      // The machine's ARN travels in the input: an environment variable would make a dependency cycle.
      payload: sfn.TaskInput.fromObject({ tick: sfn.JsonPath.entirePayload, stateMachineArn: sfn.JsonPath.stateMachineId }),
    });
    const machine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: STATE_MACHINE_NAME,
      definitionBody: sfn.DefinitionBody.fromChainable(waitForTick.next(emitTick).next(advance)),
    });

    const startFunction = new lambda.Function(this, 'StartFunction', {
      ...functionProps,
      handler: 'index.start',
      environment: { TABLE_NAME: table.tableName, STATE_MACHINE_ARN: machine.stateMachineArn },
    });
    table.grantReadWriteData(tickFunction);
    table.grantReadWriteData(startFunction);
    machine.grantStartExecution(startFunction);
    tickFunction.addToRolePolicy(new iam.PolicyStatement({
      actions: ['states:StartExecution'],
      resources: [this.formatArn({ service: 'states', resource: 'stateMachine', resourceName: STATE_MACHINE_NAME, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }));
    new events.Rule(this, 'StartRule', {
      eventPattern: { detailType: ['Schedule Start'] },
      targets: [new targets.LambdaFunction(startFunction)],
    });
  }
}
