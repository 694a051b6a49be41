import * as http from 'http';
import { AddressInfo } from 'net';
import { MAX_TIMER_DELAY_MS, VirtualClock } from '../../local/src/virtual-clock';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms));
}

describe('VirtualClock', () => {
  let clock: VirtualClock;
  beforeEach(() => {
    clock = VirtualClock.install({ now: T0 });
  });
  afterEach(() => {
    clock.uninstall();
  });

  test('fakes Date and timers but not setImmediate/nextTick/queueMicrotask/performance', async () => {
    expect(Date.now()).toBe(T0);
    expect(new Date().toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(clock.now().getTime()).toBe(T0);
    await new Promise<void>(resolve => setImmediate(resolve));
    await new Promise<void>(resolve => process.nextTick(resolve));
    await new Promise<void>(resolve => queueMicrotask(resolve));
    const p0 = performance.now();
    while (performance.now() === p0) { /* real time moves */ }
    expect(Date.now()).toBe(T0);
  });

  test('interleaved timers of several async chains fire in time order, Date.now() = due time', async () => {
    const log: string[] = [];
    const chain = async (name: string, delays: number[]) => {
      for (const d of delays) {
        await sleep(d);
        await Promise.resolve();
        log.push(`${name}@${Date.now() - T0}`);
      }
    };
    const all = Promise.all([
      chain('a', [300, 300, 300]), // 300, 600, 900
      chain('b', [100, 450, 50]), // 100, 550, 600
      chain('c', [1000]), // 1000
    ]);
    await clock.advanceTo(T0 + 950);
    expect(log).toEqual(['b@100', 'a@300', 'b@550', 'a@600', 'b@600', 'a@900']);
    expect(clock.nowMs()).toBe(T0 + 950);
    await clock.advanceBy(50);
    await all;
    expect(log[log.length - 1]).toBe('c@1000');
  });

  test('setTimeout callbacks see their own due time', async () => {
    const seen: number[] = [];
    setTimeout(() => seen.push(Date.now() - T0), 1234);
    setTimeout(() => seen.push(Date.now() - T0), 10);
    await clock.advanceBy(2000);
    expect(seen).toEqual([10, 1234]);
  });

  test('real I/O between timers completes before the next timer fires', async () => {
    const server = http.createServer((_req, res) => {
      const end = clock.begin('server', 'io');
      // answer after a few real milliseconds (real setImmediate chain + real I/O)
      setImmediate(() => setImmediate(() => {
        res.end(String(Date.now() - T0));
        end();
      }));
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const get = () => clock.track(new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, agent: false }, res => {
        let body = '';
        res.on('data', c => body += c);
        res.on('end', () => resolve(body));
      }).on('error', reject);
    }), 'client', 'work');
    const log: string[] = [];
    const chainA = async () => {
      await sleep(100);
      for (let i = 0; i < 3; i++) log.push(`a-io:${await get()}`);
      await sleep(100);
      log.push(`a@${Date.now() - T0}`);
    };
    const chainB = async () => {
      await sleep(101);
      log.push(`b@${Date.now() - T0}`);
    };
    try {
      const both = Promise.all([chainA(), chainB()]);
      await clock.advanceTo(T0 + 500);
      await both;
      expect(log).toEqual(['a-io:100', 'a-io:100', 'a-io:100', 'b@101', 'a@200']);
    } finally {
      server.closeAllConnections();
      await new Promise(resolve => server.close(resolve));
    }
  });

  test('in-flight work blocked on a fake timer (a retry back-off) does not deadlock', async () => {
    const log: string[] = [];
    setTimeout(() => log.push(`other@${Date.now() - T0}`), 50);
    const work = clock.track(async () => {
      log.push('attempt 1');
      await sleep(100); // e.g. an SDK retry back-off inside a Lambda invocation
      log.push(`attempt 2@${Date.now() - T0}`);
    }, 'lambda');
    await clock.advanceBy(1000);
    await work;
    expect(log).toEqual(['attempt 1', 'other@50', 'attempt 2@100']);
    expect(clock.inFlight()).toEqual([]);
  });

  test('work blocked on a timer after the target stays pending until a later advance', async () => {
    let done = false;
    const work = clock.track(async () => {
      await sleep(5_000);
      done = true;
    }, 'slow');
    await clock.advanceBy(1000);
    expect(done).toBe(false);
    expect(clock.nowMs()).toBe(T0 + 1000);
    expect(clock.inFlight()).toEqual(['work:slow']);
    await clock.advanceBy(4000);
    await work;
    expect(done).toBe(true);
  });

  test('timers longer than 2^31-1 ms fire at their due time, not after 1 ms', async () => {
    const due = 200 * 24 * 3600 * 1000; // 200 days
    expect(due).toBeGreaterThan(MAX_TIMER_DELAY_MS);
    const seen: number[] = [];
    setTimeout(() => seen.push(Date.now() - T0), due);
    const cancelled = setTimeout(() => seen.push(-1), due);
    clearTimeout(cancelled);
    await clock.advanceBy(1000);
    expect(seen).toEqual([]);
    await clock.advanceBy(due);
    expect(seen).toEqual([due]);
  });

  test('setInterval fires at each period', async () => {
    const seen: number[] = [];
    const h = setInterval(() => seen.push(Date.now() - T0), 300);
    await clock.advanceBy(1000);
    clearInterval(h);
    expect(seen).toEqual([300, 600, 900]);
  });

  test('advanceTo in the past only settles', async () => {
    await clock.advanceTo(T0 - 1000);
    expect(clock.nowMs()).toBe(T0);
  });

  test('only one clock can be installed', () => {
    expect(() => VirtualClock.install()).toThrow(/already installed/);
  });
});
