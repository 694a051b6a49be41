import * as http from 'node:http';
import * as https from 'node:https';
import type { EventBridgeClient, PutEventsRequestEntry, PutEventsResultEntry } from '@aws-sdk/client-eventbridge';

/**
 * PutEvents for the sharded engine's emitter, without the SDK's per-call middleware stack.
 *
 * A second of 1,000 ticks is 100 PutEvents calls (10 entries each, the API's maximum), so the CPU the emitter spends
 * per call bounds how many ticks a shard emits in a second. Measured on the benchmark machine (bench/emitter-cpu.ts):
 * `EventBridgeClient.send` spends 1.2 to 2.1 ms of CPU per call (middleware, endpoint rules, retry strategy, user
 * agent, serde), a signed `https.request` 0.2 to 0.5 ms, for the same request; the shard bundle emits a tick for 215
 * µs of CPU through the client and 87 µs through this sender. (In dollars either is small: a vCPU-second of Lambda
 * costs $0.0000288, so 87 µs a tick is $0.0025 per million ticks. The gain is throughput per shard-second.)
 *
 * Nothing is hand-rolled that the SDK already does well: the endpoint comes from the client's own endpoint rules
 * (`config.endpointProvider`, which honours `AWS_ENDPOINT_URL_EVENTBRIDGE` / `AWS_ENDPOINT_URL`, FIPS and dual-stack),
 * and the request is signed by the client's own SigV4 signer (`config.signer`) with its own credential provider. What
 * is left is an HTTP POST of the AWS JSON 1.1 body on a keep-alive connection, and the protocol's error shape.
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/CommonErrors.html
 */
export interface PutEventsOutput {
  readonly FailedEntryCount?: number;
  readonly Entries?: PutEventsResultEntry[];
}

/** An error answer of the API (`__type`, `message`), with its HTTP status. */
export class PutEventsError extends Error {
  constructor(name: string, message: string, public readonly statusCode: number) {
    super(message);
    this.name = name;
  }
}

/** Attempts per call for a whole call that fails with a retryable error (throttling, 5xx, a dropped connection). */
const CALL_ATTEMPTS = 4;

/** Error names of a whole call worth another attempt (with 5xx statuses and network errors). */
const RETRYABLE_CALL_ERRORS = new Set(['ThrottlingException', 'InternalException', 'InternalFailure', 'ServiceUnavailable']);

/** The part of the SDK's SigV4 signer this sender uses. */
interface RequestSigner {
  sign(request: unknown, options: { signingRegion: string; signingService: string }): Promise<{ headers: Record<string, string> }>;
}

interface Target {
  readonly url: URL;
  readonly region: string;
  readonly signer: RequestSigner;
}

export class PutEventsSender {
  private target?: Promise<Target>;
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
  };

  constructor(private readonly client: EventBridgeClient) {}

  /** One PutEvents call (at most 10 entries); retries the whole call on throttling, 5xx and network errors. */
  public async send(entries: PutEventsRequestEntry[]): Promise<PutEventsOutput> {
    const body = JSON.stringify({ Entries: entries });
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.post(body);
      } catch (error) {
        if (attempt >= CALL_ATTEMPTS || !isRetryable(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt * (0.5 + Math.random())));
      }
    }
  }

  private async post(body: string): Promise<PutEventsOutput> {
    const { url, region, signer } = await (this.target ??= this.resolve());
    const request = {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents', 'host': url.host },
      body,
    };
    const signed = await signer.sign(request, { signingRegion: region, signingService: 'events' });
    const transport = url.protocol === 'http:' ? http : https;
    const agent = this.agents[url.protocol === 'http:' ? 'http:' : 'https:'];
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const options = { agent, hostname: url.hostname, port: url.port || undefined, path: url.pathname, method: 'POST', headers: signed.headers };
      const req = transport.request(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
    const json = text ? JSON.parse(text) : {};
    if (status >= 200 && status < 300) return json as PutEventsOutput;
    // AWS JSON 1.1 errors: `__type` is the error name, possibly prefixed with a namespace ("ns#Name").
    const name = String(json.__type ?? `Http${status}`).split('#').pop()!;
    throw new PutEventsError(name, String(json.message ?? json.Message ?? text), status);
  }

  private async resolve(): Promise<Target> {
    const config = this.client.config;
    const region = await config.region();
    const configured = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE ?? process.env.AWS_ENDPOINT_URL;
    const endpoint = config.endpointProvider({
      Region: region,
      UseFIPS: await config.useFipsEndpoint(),
      UseDualStack: await config.useDualstackEndpoint(),
      ...(configured ? { Endpoint: configured } : {}),
    });
    const signer = await (config as unknown as { signer: (scheme: unknown) => Promise<Target['signer']> })
      .signer({ name: 'sigv4', signingName: 'events', signingRegion: region, properties: {} });
    return { url: new URL(endpoint.url.href), region, signer };
  }
}

function isRetryable(error: unknown): boolean {
  if (error instanceof PutEventsError) return error.statusCode >= 500 || RETRYABLE_CALL_ERRORS.has(error.name);
  const code = (error as { code?: string })?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT' || code === 'ECONNREFUSED';
}
