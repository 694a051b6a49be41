/**
 * Resolves a synthesized CloudFormation template to local placeholder values, so that the local runtime can run
 * exactly what was synthesized: the state machine's definition, the rules' patterns and targets, the functions'
 * environment and the tables' definitions.
 *
 * Physical names: a resource's explicit name property (FunctionName, TableName, StateMachineName, Name, ...) wins;
 * otherwise the name is `<stackName>-<logicalId>-<suffix>` (CloudFormation's generated names look alike), cut to the
 * service's length limit. Pass a distinct `suffix` to give two runtimes in one process distinct names.
 *
 * Intrinsics: `Ref` (resources, parameters' defaults, pseudo parameters), `Fn::GetAtt` (the ARN and name attributes
 * of the usual resource types; anything else gets a recognizable placeholder), `Fn::Join`, `Fn::Sub` (both forms),
 * `Fn::Select`, `Fn::Split`, `Fn::Base64`, `Fn::GetAZs`. Conditions (`Fn::If`, `Fn::Equals`, ...) and
 * `Fn::ImportValue` are not supported and throw.
 */

export type Template = { Resources?: Record<string, CfnResource>; Parameters?: Record<string, any>; [k: string]: any };
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, any>;
  readonly Metadata?: Record<string, any>;
  readonly [k: string]: any;
}

export interface ResolverOptions {
  readonly region?: string;
  readonly accountId?: string;
  readonly partition?: string;
  readonly urlSuffix?: string;
  /** Default: the template's `aws:cdk:path` prefix of its first resource, else 'LocalStack'. */
  readonly stackName?: string;
  /** Appended to generated physical names. Default 'local'. */
  readonly suffix?: string;
}

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '123456789012';

export interface ResourceRef {
  readonly logicalId: string;
  readonly resource: CfnResource;
}

export interface RuleTarget {
  readonly id: string;
  readonly arn: string;
  readonly input?: string;
  readonly inputPath?: string;
  readonly inputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
  readonly roleArn?: string;
  readonly retryPolicy?: { MaximumEventAgeInSeconds?: number; MaximumRetryAttempts?: number };
  readonly deadLetterArn?: string;
}

export interface RuleInfo {
  readonly logicalId: string;
  readonly name: string;
  /** The rule's ARN (what a scheduled event's `resources` holds). Default: built from the name and bus. */
  readonly arn?: string;
  readonly eventBusName: string;
  /** Undefined for schedule rules. */
  readonly eventPattern?: Record<string, any>;
  readonly scheduleExpression?: string;
  readonly state: string;
  readonly targets: RuleTarget[];
}

export interface FunctionInfo {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly handler?: string;
  readonly runtime?: string;
  /** `Image` for a container image function (`Code.ImageUri`); `Zip` (CloudFormation's default) otherwise. */
  readonly packageType: string;
  /** Seconds; CloudFormation's default is 3. */
  readonly timeout: number;
  readonly memorySize: number;
  /** `arm64` or `x86_64` (CloudFormation's default), from `Architectures`. */
  readonly architecture: string;
  readonly environment: Record<string, string>;
  /** Source directory of a `Code.fromAsset` function (needs the asset-metadata context; see `localAppContext`). */
  readonly assetPath?: string;
  readonly inlineCode?: string;
  readonly cdkPath?: string;
  readonly reservedConcurrency?: number;
}

export interface StateMachineInfo {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly type: string;
  readonly definition: any;
  readonly cdkPath?: string;
}

export interface TableInfo {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  /** Resolved Properties of the AWS::DynamoDB::Table (TableName set to the physical name). */
  readonly properties: Record<string, any>;
}

export interface EventBusInfo {
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
}

/**
 * Context for `new App({ context })` that makes `aws:asset:path` metadata point at the asset's source directory
 * (no staging copy), so the local runtime can load the very bundle a function's Code refers to.
 */
export const localAppContext = {
  'aws:cdk:enable-asset-metadata': true,
  'aws:cdk:disable-asset-staging': true,
};

const NAME_PROPERTY: Record<string, string> = {
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::Policy': 'PolicyName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::S3::Bucket': 'BucketName',
};

const NAME_LIMIT: Record<string, number> = {
  'AWS::Lambda::Function': 64,
  'AWS::StepFunctions::StateMachine': 80,
  'AWS::SQS::Queue': 80,
  'AWS::Events::Rule': 64,
  'AWS::Events::EventBus': 256,
  'AWS::IAM::Role': 64,
  'AWS::S3::Bucket': 63,
};

export class TemplateResolver {
  public readonly region: string;
  public readonly accountId: string;
  public readonly partition: string;
  public readonly urlSuffix: string;
  public readonly stackName: string;
  public readonly suffix: string;
  private readonly resources: Record<string, CfnResource>;
  private readonly nameCache = new Map<string, string>();

  constructor(public readonly template: Template, options: ResolverOptions = {}) {
    this.resources = template.Resources ?? {};
    this.region = options.region ?? LOCAL_REGION;
    this.accountId = options.accountId ?? LOCAL_ACCOUNT;
    this.partition = options.partition ?? 'aws';
    this.urlSuffix = options.urlSuffix ?? 'amazonaws.com';
    this.suffix = options.suffix ?? 'local';
    this.stackName = options.stackName ?? guessStackName(this.resources) ?? 'LocalStack';
  }

  /** Resources of a type (e.g. 'AWS::Lambda::Function'), in template order. */
  public findResources(type: string): ResourceRef[] {
    return Object.entries(this.resources)
      .filter(([, r]) => r.Type === type)
      .map(([logicalId, resource]) => ({ logicalId, resource }));
  }

  public resource(logicalId: string): CfnResource {
    const r = this.resources[logicalId];
    if (!r) throw new Error(`No resource ${logicalId} in the template`);
    return r;
  }

  /** The local physical name of a resource (what `Ref` gives for most types). */
  public physicalName(logicalId: string): string {
    const cached = this.nameCache.get(logicalId);
    if (cached) return cached;
    const r = this.resource(logicalId);
    const prop = NAME_PROPERTY[r.Type];
    let name: string;
    if (prop && r.Properties?.[prop] !== undefined) {
      name = String(this.resolve(r.Properties[prop]));
    } else {
      const limit = NAME_LIMIT[r.Type] ?? 255;
      const tail = `-${this.suffix}`;
      const head = `${this.stackName}-${logicalId}`.replace(/[^A-Za-z0-9_.-]/g, '');
      name = head.slice(0, Math.max(1, limit - tail.length)) + tail;
    }
    this.nameCache.set(logicalId, name);
    return name;
  }

  /** The ARN of a resource (`Fn::GetAtt [id, Arn]`). */
  public arn(logicalId: string): string {
    return this.getAtt(logicalId, 'Arn');
  }

  /** `Ref` of a logical id, parameter or pseudo parameter. */
  public ref(name: string): any {
    switch (name) {
      case 'AWS::Region': return this.region;
      case 'AWS::AccountId': return this.accountId;
      case 'AWS::Partition': return this.partition;
      case 'AWS::URLSuffix': return this.urlSuffix;
      case 'AWS::StackName': return this.stackName;
      case 'AWS::StackId':
        return `arn:${this.partition}:cloudformation:${this.region}:${this.accountId}:stack/${this.stackName}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::NoValue': return undefined;
      case 'AWS::NotificationARNs': return [];
    }
    const parameter = this.template.Parameters?.[name];
    if (parameter) {
      if (parameter.Default === undefined) throw new Error(`Parameter ${name} has no default`);
      return parameter.Default;
    }
    const r = this.resource(name);
    switch (r.Type) {
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::SNS::Topic':
      case 'AWS::IAM::ManagedPolicy':
        return this.arn(name);
      case 'AWS::SQS::Queue':
        return this.getAtt(name, 'QueueUrl');
      default:
        return this.physicalName(name);
    }
  }

  /** `Fn::GetAtt` of a resource attribute. */
  public getAtt(logicalId: string, attribute: string): any {
    const r = this.resource(logicalId);
    const name = this.physicalName(logicalId);
    const p = this.partition;
    const ra = `${this.region}:${this.accountId}`;
    switch (`${r.Type}.${attribute}`) {
      case 'AWS::Lambda::Function.Arn': return `arn:${p}:lambda:${ra}:function:${name}`;
      case 'AWS::StepFunctions::StateMachine.Arn': return `arn:${p}:states:${ra}:stateMachine:${name}`;
      case 'AWS::StepFunctions::StateMachine.Name': return name;
      case 'AWS::DynamoDB::Table.Arn': return `arn:${p}:dynamodb:${ra}:table/${name}`;
      case 'AWS::DynamoDB::Table.StreamArn': return `arn:${p}:dynamodb:${ra}:table/${name}/stream/1970-01-01T00:00:00.000`;
      case 'AWS::Events::EventBus.Arn': return `arn:${p}:events:${ra}:event-bus/${name}`;
      case 'AWS::Events::EventBus.Name': return name;
      case 'AWS::Events::Rule.Arn': {
        const bus = this.ruleBusName(r);
        return `arn:${p}:events:${ra}:rule/${bus === 'default' ? '' : `${bus}/`}${name}`;
      }
      case 'AWS::SQS::Queue.Arn': return `arn:${p}:sqs:${ra}:${name}`;
      case 'AWS::SQS::Queue.QueueName': return name;
      case 'AWS::SQS::Queue.QueueUrl': return `https://sqs.${this.region}.${this.urlSuffix}/${this.accountId}/${name}`;
      case 'AWS::SNS::Topic.Arn':
      case 'AWS::SNS::Topic.TopicArn': return `arn:${p}:sns:${ra}:${name}`;
      case 'AWS::Events::ApiDestination.Arn': return `arn:${p}:events:${ra}:api-destination/${name}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::Events::Connection.Arn': return `arn:${p}:events:${ra}:connection/${name}/00000000-0000-0000-0000-000000000000`;
      case 'AWS::Kinesis::Stream.Arn': return `arn:${p}:kinesis:${ra}:stream/${name}`;
      case 'AWS::KinesisFirehose::DeliveryStream.Arn': return `arn:${p}:firehose:${ra}:deliverystream/${name}`;
      case 'AWS::SNS::Topic.TopicName': return name;
      case 'AWS::IAM::Role.Arn': return `arn:${p}:iam::${this.accountId}:role/${name}`;
      case 'AWS::IAM::Role.RoleId': return `AROA${logicalId.toUpperCase().slice(0, 17)}`;
      case 'AWS::Logs::LogGroup.Arn': return `arn:${p}:logs:${ra}:log-group:${name}:*`;
      case 'AWS::S3::Bucket.Arn': return `arn:${p}:s3:::${name}`;
      case 'AWS::KMS::Key.Arn': return `arn:${p}:kms:${ra}:key/${name}`;
    }
    if (attribute === 'Arn') return `arn:${p}:local:${ra}:${r.Type.replace(/::/g, '-')}/${name}`;
    if (attribute === 'Name') return name;
    return `local:${logicalId}.${attribute}`;
  }

  /** Resolves every intrinsic function in a value (deeply). */
  public resolve(value: any): any {
    if (Array.isArray(value)) return value.map(v => this.resolve(v)).filter(v => v !== undefined);
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [fn] = keys;
      const arg = value[fn];
      switch (fn) {
        case 'Ref': return this.ref(arg);
        case 'Fn::GetAtt': {
          const [id, attribute] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
          return this.getAtt(id, this.resolve(attribute));
        }
        case 'Fn::Join': {
          const [delimiter, parts] = arg;
          return (this.resolve(parts) as any[]).map(x => String(x)).join(delimiter);
        }
        case 'Fn::Sub': return this.sub(arg);
        case 'Fn::Select': {
          const [index, list] = this.resolve(arg);
          return list[Number(index)];
        }
        case 'Fn::Split': {
          const [delimiter, source] = arg;
          return String(this.resolve(source)).split(delimiter);
        }
        case 'Fn::Base64': return Buffer.from(String(this.resolve(arg))).toString('base64');
        case 'Fn::GetAZs': return ['a', 'b', 'c'].map(z => `${this.region}${z}`);
        case 'Fn::If':
        case 'Fn::Equals':
        case 'Fn::And':
        case 'Fn::Or':
        case 'Fn::Not':
        case 'Fn::ImportValue':
        case 'Fn::FindInMap':
        case 'Fn::Transform':
          throw new Error(`${fn} is not supported by the local template resolver`);
      }
    }
    const out: Record<string, any> = {};
    for (const k of keys) {
      const v = this.resolve(value[k]);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }

  /** The parsed ASL of a state machine (default: the only one), tokens resolved. */
  public stateMachineDefinition(logicalId?: string): any {
    return this.stateMachine(logicalId).definition;
  }

  public stateMachines(): StateMachineInfo[] {
    return this.findResources('AWS::StepFunctions::StateMachine').map(({ logicalId, resource }) => {
      const props = resource.Properties ?? {};
      let definition: any;
      if (props.DefinitionString !== undefined) {
        definition = JSON.parse(String(this.resolve(props.DefinitionString)));
      } else if (props.Definition !== undefined) {
        definition = this.resolve(props.Definition);
      } else {
        throw new Error(`State machine ${logicalId} has no inline definition (DefinitionS3Location is not supported)`);
      }
      if (props.DefinitionSubstitutions) {
        const subs = this.resolve(props.DefinitionSubstitutions) as Record<string, any>;
        definition = JSON.parse(JSON.stringify(definition).replace(/\$\{([^}]+)\}/g,
          (m, k) => (k in subs ? String(subs[k]).replace(/["\\]/g, '\\$&') : m)));
      }
      return {
        logicalId,
        name: this.physicalName(logicalId),
        arn: this.arn(logicalId),
        type: props.StateMachineType ?? 'STANDARD',
        definition,
        cdkPath: resource.Metadata?.['aws:cdk:path'],
      };
    });
  }

  public stateMachine(logicalId?: string): StateMachineInfo {
    const all = this.stateMachines();
    const found = logicalId ? all.find(s => s.logicalId === logicalId) : all[0];
    if (!found || (!logicalId && all.length !== 1)) {
      throw new Error(logicalId ? `No state machine ${logicalId}` : `Expected one state machine, found ${all.length}`);
    }
    return found;
  }

  public rules(): RuleInfo[] {
    return this.findResources('AWS::Events::Rule').map(({ logicalId, resource }) => {
      const props = this.resolve(resource.Properties ?? {});
      const pattern = props.EventPattern;
      return {
        logicalId,
        name: this.physicalName(logicalId),
        arn: this.arn(logicalId),
        eventBusName: this.ruleBusName(resource),
        eventPattern: typeof pattern === 'string' ? JSON.parse(pattern) : pattern,
        scheduleExpression: props.ScheduleExpression,
        state: props.State ?? 'ENABLED',
        targets: (props.Targets ?? []).map((t: any): RuleTarget => ({
          id: t.Id,
          arn: t.Arn,
          input: t.Input,
          inputPath: t.InputPath,
          inputTransformer: t.InputTransformer,
          roleArn: t.RoleArn,
          retryPolicy: t.RetryPolicy,
          deadLetterArn: t.DeadLetterConfig?.Arn,
        })),
      };
    });
  }

  public functionEnvironment(logicalId: string): Record<string, string> {
    const props = this.resource(logicalId).Properties ?? {};
    const vars = this.resolve(props.Environment?.Variables ?? {});
    return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  }

  public functions(): FunctionInfo[] {
    return this.findResources('AWS::Lambda::Function').map(({ logicalId, resource }) => {
      const props = resource.Properties ?? {};
      return {
        logicalId,
        name: this.physicalName(logicalId),
        arn: this.arn(logicalId),
        handler: props.Handler,
        runtime: props.Runtime,
        packageType: props.PackageType ?? (props.Code?.ImageUri !== undefined ? 'Image' : 'Zip'),
        timeout: props.Timeout ?? 3,
        memorySize: props.MemorySize ?? 128,
        architecture: props.Architectures?.[0] ?? 'x86_64',
        environment: this.functionEnvironment(logicalId),
        assetPath: resource.Metadata?.['aws:asset:path'],
        inlineCode: props.Code?.ZipFile !== undefined ? String(this.resolve(props.Code.ZipFile)) : undefined,
        cdkPath: resource.Metadata?.['aws:cdk:path'],
        reservedConcurrency: props.ReservedConcurrentExecutions,
      };
    });
  }

  /** The function whose name or ARN (optionally qualified with a version/alias) is given. */
  public functionByArn(nameOrArn: string): FunctionInfo | undefined {
    const m = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::.*)?$/.exec(nameOrArn);
    const name = m ? m[1] : nameOrArn;
    return this.functions().find(f => f.name === name);
  }

  public tables(): TableInfo[] {
    return this.findResources('AWS::DynamoDB::Table').map(({ logicalId, resource }) => {
      const name = this.physicalName(logicalId);
      return {
        logicalId,
        name,
        arn: this.arn(logicalId),
        properties: { ...this.resolve(resource.Properties ?? {}), TableName: name },
      };
    });
  }

  public eventBuses(): EventBusInfo[] {
    return this.findResources('AWS::Events::EventBus').map(({ logicalId }) => ({
      logicalId,
      name: this.physicalName(logicalId),
      arn: this.arn(logicalId),
    }));
  }

  private ruleBusName(rule: CfnResource): string {
    const bus = rule.Properties?.EventBusName;
    if (bus === undefined) return 'default';
    const resolved = String(this.resolve(bus));
    const m = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(resolved);
    return m ? m[1] : resolved;
  }

  private sub(arg: any): string {
    const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
    const resolvedVars = this.resolve(vars ?? {});
    return String(text).replace(/\$\{(!?)([^}]*)\}/g, (_m, bang: string, name: string) => {
      if (bang) return `\${${name}}`;
      if (name in resolvedVars) return String(resolvedVars[name]);
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('AWS::')) return String(this.getAtt(name.slice(0, dot), name.slice(dot + 1)));
      return String(this.ref(name));
    });
  }
}

function guessStackName(resources: Record<string, CfnResource>): string | undefined {
  for (const r of Object.values(resources)) {
    const path = r.Metadata?.['aws:cdk:path'];
    if (typeof path === 'string' && path.includes('/')) return path.split('/')[0];
  }
  return undefined;
}

// ---- Function-style helpers ------------------------------------------------------------------------------------

export function findResources(template: Template, type: string): ResourceRef[] {
  return new TemplateResolver(template).findResources(type);
}

export function resolveIntrinsics(template: Template, value: any, options?: ResolverOptions): any {
  return new TemplateResolver(template, options).resolve(value);
}

export function stateMachineDefinition(template: Template, options?: ResolverOptions & { logicalId?: string }): any {
  return new TemplateResolver(template, options).stateMachineDefinition(options?.logicalId);
}

export function rules(template: Template, options?: ResolverOptions): RuleInfo[] {
  return new TemplateResolver(template, options).rules();
}

export function functionEnvironment(template: Template, logicalId: string, options?: ResolverOptions): Record<string, string> {
  return new TemplateResolver(template, options).functionEnvironment(logicalId);
}
