import { flattenEvent, matchesEventPattern as matches } from '../../local/src/event-pattern';

/** The EC2 state-change event of the EventBridge documentation ("Amazon EventBridge event patterns"). */
const ec2Event = {
  'version': '0',
  'id': '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  'source': 'aws.ec2',
  'account': '111122223333',
  'time': '2017-12-22T18:43:48Z',
  'region': 'us-west-1',
  'resources': ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  'detail': {
    'instance-id': 'i-1234567890abcdef0',
    'state': 'terminated',
  },
};

/** The event of the documentation's content-filtering examples (numeric, exists, cidr). */
const contentEvent = {
  'version': '0',
  'id': '3e3c153a-8339-4e30-8c35-687ebef853fe',
  'detail-type': 'EC2 Instance Launch Successful',
  'source': 'aws.autoscaling',
  'account': '123456789012',
  'time': '2015-11-11T21:31:47Z',
  'region': 'us-east-1',
  'resources': [],
  'detail': {
    'eventVersion': '',
    'responseElements': null,
    'c-count': 5,
    'd-count': 7,
    'x-limit': 301.8,
    'source-ip': '10.0.0.123',
    'state': 'initializing',
    'FileName': 'upload/image.PNG',
  },
};

describe('matchesEventPattern: the documented examples', () => {
  test('source, detail-type and detail.state (the EC2 termination pattern)', () => {
    const pattern = {
      'source': ['aws.ec2'],
      'detail-type': ['EC2 Instance State-change Notification'],
      'detail': { state: ['terminated'] },
    };
    expect(matches(pattern, ec2Event)).toBe(true);
    expect(matches(pattern, { ...ec2Event, detail: { state: 'running' } })).toBe(false);
    expect(matches({ source: ['aws.ec2', 'aws.fargate'] }, ec2Event)).toBe(true);
    expect(matches({ detail: { state: ['pending', 'running'] } }, ec2Event)).toBe(false);
  });

  test('matching is exact and case-sensitive', () => {
    expect(matches({ source: ['AWS.EC2'] }, ec2Event)).toBe(false);
    expect(matches({ source: ['aws.ec'] }, ec2Event)).toBe(false);
  });

  test('a pattern field missing from the event does not match', () => {
    expect(matches({ detail: { 'no-such-field': ['x'] } }, ec2Event)).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': 'x' }] }, nothing: ['a'] }, ec2Event)).toBe(false);
    expect(matches({ detail: { missing: [{ 'anything-but': 'x' }] } }, ec2Event)).toBe(false);
    expect(matches({ detail: { missing: [{ prefix: '' }] } }, ec2Event)).toBe(false);
  });

  test('an empty pattern matches every event', () => {
    expect(matches({}, ec2Event)).toBe(true);
  });

  test('arrays in the event match if any element matches', () => {
    expect(matches({ resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'] }, ec2Event))
      .toBe(true);
    const event = { resources: ['arn:a', 'arn:b', 'arn:c'] };
    expect(matches({ resources: ['arn:c', 'arn:x'] }, event)).toBe(true);
    expect(matches({ resources: ['arn:x'] }, event)).toBe(false);
    expect(matches({ detail: { tags: { key: ['env'] } } }, { detail: { tags: [{ key: 'team' }, { key: 'env' }] } }))
      .toBe(true);
  });

  test('null and empty string are distinct values', () => {
    expect(matches({ detail: { eventVersion: [''] } }, contentEvent)).toBe(true);
    expect(matches({ detail: { responseElements: [null] } }, contentEvent)).toBe(true);
    expect(matches({ detail: { eventVersion: [null] } }, contentEvent)).toBe(false);
    expect(matches({ detail: { responseElements: [''] } }, contentEvent)).toBe(false);
  });

  test('numbers and booleans match exactly, numerically, and not as strings', () => {
    expect(matches({ detail: { 'c-count': [5] } }, contentEvent)).toBe(true);
    expect(matches({ detail: { 'c-count': [5.0e0] } }, contentEvent)).toBe(true);
    expect(matches({ detail: { 'c-count': ['5'] } }, contentEvent)).toBe(false);
    expect(matches({ detail: { ok: [true] } }, { detail: { ok: true } })).toBe(true);
    expect(matches({ detail: { ok: [true] } }, { detail: { ok: 'true' } })).toBe(false);
  });

  test('prefix (the documented time prefix) and prefix equals-ignore-case', () => {
    expect(matches({ time: [{ prefix: '2017-12-22' }] }, ec2Event)).toBe(true);
    expect(matches({ time: [{ prefix: '2017-12-23' }] }, ec2Event)).toBe(false);
    expect(matches({ source: [{ prefix: 'aws.' }] }, ec2Event)).toBe(true);
    expect(matches({ detail: { 'instance-id': [{ prefix: { 'equals-ignore-case': 'I-1234' } }] } }, ec2Event))
      .toBe(true);
    expect(matches({ detail: { 'c-count': [{ prefix: '5' }] } }, contentEvent)).toBe(false); // prefix needs a string
  });

  test('suffix and suffix equals-ignore-case', () => {
    expect(matches({ detail: { FileName: [{ suffix: '.PNG' }] } }, contentEvent)).toBe(true);
    expect(matches({ detail: { FileName: [{ suffix: '.png' }] } }, contentEvent)).toBe(false);
    expect(matches({ detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, contentEvent)).toBe(true);
  });

  test('anything-but: a value, a list, numbers, prefix and suffix', () => {
    expect(matches({ detail: { state: [{ 'anything-but': 'initializing' }] } }, contentEvent)).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': 'initializing' }] } }, ec2Event)).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, ec2Event)).toBe(true);
    expect(matches({ detail: { state: [{ 'anything-but': ['stopped', 'terminated'] }] } }, ec2Event)).toBe(false);
    expect(matches({ detail: { 'c-count': [{ 'anything-but': [100, 200, 300] }] } }, contentEvent)).toBe(true);
    expect(matches({ detail: { 'c-count': [{ 'anything-but': [5, 6] }] } }, contentEvent)).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, contentEvent)).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, ec2Event)).toBe(true);
    expect(matches({ detail: { FileName: [{ 'anything-but': { suffix: '.txt' } }] } }, contentEvent)).toBe(true);
    expect(matches({ detail: { FileName: [{ 'anything-but': { suffix: '.PNG' } }] } }, contentEvent)).toBe(false);
    expect(matches({ detail: { state: [{ 'anything-but': { 'equals-ignore-case': ['TERMINATED'] } }] } }, ec2Event))
      .toBe(false);
  });

  test('numeric ranges (the documented c-count / d-count / x-limit example)', () => {
    const pattern = {
      detail: {
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ numeric: ['=', 3.018e2] }],
      },
    };
    expect(matches(pattern, contentEvent)).toBe(true);
    expect(matches(pattern, { detail: { ...contentEvent.detail, 'c-count': 6 } })).toBe(false);
    expect(matches(pattern, { detail: { ...contentEvent.detail, 'c-count': 0 } })).toBe(false);
    expect(matches(pattern, { detail: { ...contentEvent.detail, 'c-count': '5' } })).toBe(false);
    expect(matches({ detail: { 'c-count': [{ numeric: ['=', 3] }] } }, { detail: { 'c-count': 3 } })).toBe(true);
    expect(matches({ detail: { 'c-count': [{ numeric: ['>=', 5, '<', 6] }] } }, contentEvent)).toBe(true);
  });

  test('exists: true and false, on leaf nodes only; an empty array counts as absent', () => {
    expect(matches({ detail: { 'c-count': [{ exists: true }] } }, contentEvent)).toBe(true);
    expect(matches({ detail: { 'c-count': [{ exists: false }] } }, contentEvent)).toBe(false);
    expect(matches({ detail: { 'c-count': [{ exists: false }] } }, ec2Event)).toBe(true);
    expect(matches({ detail: { 'c-count': [{ exists: true }] } }, ec2Event)).toBe(false);
    // null is a value: the field exists
    expect(matches({ detail: { responseElements: [{ exists: true }] } }, contentEvent)).toBe(true);
    // an intermediate node is not a leaf
    expect(matches({ detail: [{ exists: true }] }, ec2Event)).toBe(false);
    // an empty array has no leaf value
    expect(matches({ resources: [{ exists: true }] }, contentEvent)).toBe(false);
    expect(matches({ resources: [{ exists: false }] }, contentEvent)).toBe(true);
    expect(matches({ resources: ['x'] }, contentEvent)).toBe(false);
    // exists combined with another matcher is an OR
    expect(matches({ detail: { x: [{ exists: false }, 'a'] } }, { detail: { x: 'a' } })).toBe(true);
    expect(matches({ detail: { x: [{ exists: false }, 'a'] } }, { detail: { x: 'b' } })).toBe(false);
  });

  test('equals-ignore-case', () => {
    expect(matches({ 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] }, ec2Event))
      .toBe(true);
    expect(matches({ 'detail-type': [{ 'equals-ignore-case': 'ec2 instance' }] }, ec2Event)).toBe(false);
  });

  test('wildcard', () => {
    const event = { detail: { arn: 'arn:aws:events:us-east-1:123456789012:event-bus/myBus' } };
    expect(matches({ detail: { arn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] } }, event)).toBe(true);
    expect(matches({ detail: { arn: [{ wildcard: 'arn:aws:events:us-west-2:*' }] } }, event)).toBe(false);
    expect(matches({ detail: { f: [{ wildcard: 'dir/*.png' }] } }, { detail: { f: 'dir/a.b.png' } })).toBe(true);
    expect(matches({ detail: { f: [{ wildcard: 'a\\*b' }] } }, { detail: { f: 'a*b' } })).toBe(true);
    expect(matches({ detail: { f: [{ wildcard: 'a\\*b' }] } }, { detail: { f: 'axb' } })).toBe(false);
    expect(matches({ detail: { f: [{ wildcard: 'a.c' }] } }, { detail: { f: 'abc' } })).toBe(false);
  });

  test('cidr (IPv4 and IPv6)', () => {
    expect(matches({ detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, contentEvent)).toBe(true);
    expect(matches({ detail: { 'source-ip': [{ cidr: '10.0.1.0/24' }] } }, contentEvent)).toBe(false);
    expect(matches({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db8:0:0:1::7' })).toBe(true);
    expect(matches({ ip: [{ cidr: '2001:db8::/32' }] }, { ip: '2001:db9::1' })).toBe(false);
  });

  test('$or (the documented example)', () => {
    const pattern = {
      detail: {
        $or: [
          { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] },
          { 'd-count': [{ numeric: ['<', 10] }] },
          { 'x-limit': [{ numeric: ['=', 3.018e2] }] },
        ],
      },
    };
    expect(matches(pattern, { detail: { 'c-count': 100, 'd-count': 7 } })).toBe(true);
    expect(matches(pattern, { detail: { 'c-count': 100, 'd-count': 70 } })).toBe(false);
    const topLevel = { $or: [{ source: ['aws.ec2'] }, { 'detail-type': ['Other'] }] };
    expect(matches(topLevel, ec2Event)).toBe(true);
    expect(matches(topLevel, contentEvent)).toBe(false);
  });
});

describe('matchesEventPattern: the shapes CDK synthesizes', () => {
  const start = {
    'version': '0',
    'id': 'x',
    'source': 'my.app',
    'detail-type': 'Schedule Start',
    'account': '123456789012',
    'region': 'us-east-1',
    'time': '2030-01-01T00:00:00Z',
    'resources': [],
    'detail': { id: 'a', duration: '90m' },
  };

  test('anything-but list on source plus detail-type', () => {
    const pattern = { 'source': [{ 'anything-but': ['com.x'] }], 'detail-type': ['Schedule Start'] };
    expect(matches(pattern, start)).toBe(true);
    expect(matches(pattern, { ...start, source: 'com.x' })).toBe(false);
    expect(matches(pattern, { ...start, 'detail-type': 'Schedule Stop' })).toBe(false);
  });

  test('the pattern as a JSON string (CloudFormation accepts both)', () => {
    expect(matches('{"source":[{"anything-but":["com.x"]}],"detail-type":["Schedule Start"]}', start)).toBe(true);
  });

  test('unknown operators are rejected', () => {
    expect(() => matches({ source: [{ regex: '.*' }] }, start)).toThrow(/Unsupported/);
  });

  test('flattenEvent exposes the leaf paths', () => {
    expect(flattenEvent({ a: { b: [1, { c: 2 }] }, d: [] })).toEqual({ 'a.b': [1], 'a.b.c': [2] });
  });
});
