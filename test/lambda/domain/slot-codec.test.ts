import { SlotEntry } from '../../../lambda/domain/shards';
import { decodeSlotEntries, encodeSlotEntries } from '../../../lambda/domain/slot-codec';

const SECOND = Date.parse('2026-11-22T10:00:00.000Z') / 1000;
const at = (ms: number) => new Date(SECOND * 1000 + ms).toISOString();

describe('slot page entries as stored', () => {
  const entries: SlotEntry[] = [
    { id: 'cron:1', runId: 'r1', sequence: 12, scheduledAt: at(0), remaining: 3, last: false },
    { id: 'once:7', runId: 'r7', sequence: 1, scheduledAt: at(250), last: true, reason: 'once', payloadJson: '{"n":7}', checkOwner: true },
    { id: 'big', runId: 'rb', sequence: 4, scheduledAt: at(0), last: true, reason: 'limit', remaining: 0, payloadInItem: true },
    { id: 'end', runId: 're', sequence: 9, scheduledAt: at(999), last: true, reason: 'end' },
  ];

  test('read back exactly as written', () => {
    expect(decodeSlotEntries(SECOND, encodeSlotEntries(SECOND, entries))).toEqual(entries);
  });

  test('a scheduledAt the second and an offset cannot give back (not in the canonical form) is kept as it is', () => {
    const odd: SlotEntry = { id: 'x', runId: 'r', sequence: 1, scheduledAt: '2026-11-22T10:00:00Z', last: false };
    const [stored] = JSON.parse(encodeSlotEntries(SECOND, [odd]));
    expect(stored[3]).toBe('2026-11-22T10:00:00Z');
    expect(decodeSlotEntries(SECOND, encodeSlotEntries(SECOND, [odd]))).toEqual([odd]);
  });

  test('pages written as objects (before the tuple form) still read back', () => {
    expect(decodeSlotEntries(SECOND, JSON.stringify(entries))).toEqual(entries);
  });

  test('a one-shot\'s entry takes well under half the bytes of its object form (DynamoDB bills writes by the KB)', () => {
    expect(encodeSlotEntries(SECOND, [entries[1]]).length).toBeLessThan(JSON.stringify([entries[1]]).length / 2);
  });
});
