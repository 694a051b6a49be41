/**
 * The emitter's lean PutEvents sender against a local HTTP server: the request is the AWS JSON 1.1 PutEvents call,
 * signed with SigV4 by the client's own signer, at the endpoint the client's rules give; whole-call errors are
 * retried only when retryable.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutEventsError, PutEventsSender } from '../../../lambda/aws/put-events-sender';

interface Seen { headers: http.IncomingHttpHeaders; body: any }

let server: http.Server;
let seen: Seen[];
let answers: Array<{ status: number; body: unknown }>;
let endpoint: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const answer = answers.shift() ?? { status: 200, body: { FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] } };
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const saved = { ...process.env };
beforeEach(() => {
  seen = [];
  answers = [];
  Object.assign(process.env, { AWS_ENDPOINT_URL_EVENTBRIDGE: endpoint, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'eu-west-1' });
  delete process.env.AWS_SESSION_TOKEN;
});
afterEach(() => {
  process.env = { ...saved };
});

const entry = { EventBusName: 'app-bus', Source: 'com.test', DetailType: 'Schedule Tick', Detail: '{"id":"a"}' };
const sender = () => new PutEventsSender(new EventBridgeClient({ region: 'eu-west-1' }));

test('sends the entries as AWS JSON 1.1 PutEvents, signed with SigV4 for events in the client\'s region, and returns the answer', async () => {
  const result = await sender().send([entry, { ...entry, Detail: '{"id":"b"}' }]);
  expect(result).toEqual({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
  const [request] = seen;
  expect(request.body).toEqual({ Entries: [entry, { ...entry, Detail: '{"id":"b"}' }] });
  expect(request.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
  expect(request.headers['content-type']).toBe('application/x-amz-json-1.1');
  expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/events\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
  expect(request.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
});

test('per-entry failures are returned, not thrown (the caller decides what to resend)', async () => {
  answers.push({ status: 200, body: { FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] } });
  expect(await sender().send([entry])).toEqual({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }] });
  expect(seen).toHaveLength(1);
});

test('a throttled or failing call is retried, then succeeds', async () => {
  answers.push({ status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } });
  answers.push({ status: 500, body: { __type: 'InternalException', message: 'oops' } });
  expect(await sender().send([entry])).toMatchObject({ FailedEntryCount: 0 });
  expect(seen).toHaveLength(3);
});

test('a call refused for good throws at once with the error\'s name and message', async () => {
  answers.push({ status: 400, body: { __type: 'com.amazonaws.events#AccessDeniedException', message: 'not allowed' } });
  const error = await sender().send([entry]).catch((e) => e);
  expect(error).toBeInstanceOf(PutEventsError);
  expect(error).toMatchObject({ name: 'AccessDeniedException', message: 'not allowed', statusCode: 400 });
  expect(seen).toHaveLength(1);
});

test('a call that keeps being throttled throws after 4 attempts', async () => {
  for (let i = 0; i < 4; i++) answers.push({ status: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } });
  await expect(sender().send([entry])).rejects.toMatchObject({ name: 'ThrottlingException' });
  expect(seen).toHaveLength(4);
});
