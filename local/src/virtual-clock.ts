/**
 * A virtual clock for the local runtime, built on `@sinonjs/fake-timers`.
 *
 * What is faked, on `globalThis` (and, by fake-timers, on Node's `timers` module):
 * `Date`, `setTimeout`, `clearTimeout`, `setInterval`, `clearInterval`. Nothing else:
 * `setImmediate`, `process.nextTick`, `queueMicrotask`, `performance` and `process.hrtime` stay real,
 * so promises, sockets, HTTP servers (dynalite, the local AWS endpoint) keep working in real time.
 * Node's own internals (http, net) use internal timers and are never affected.
 *
 * ## How `advanceTo` works
 *
 * Virtual time only moves inside `advanceTo`/`advanceBy`. They repeat:
 *
 * 1. wait until the system is *quiescent* (see below);
 * 2. if the earliest pending fake timer is due at or before the target, move the clock to exactly its due time
 *    and fire it (one timer, so `Date.now()` inside its callback equals its due time), then go to 1;
 * 3. otherwise move the clock to the target (firing nothing) and return.
 *
 * So timers fire one at a time and in time order, and all the work a timer starts (Lambda invocations, HTTP
 * calls, DynamoDB writes, state transitions) completes before the next timer fires, however long it takes in
 * real time.
 *
 * ## Quiescence
 *
 * The runtime tells the clock about work in flight: `begin()` returns an `end()` function (or use `track()`),
 * with two kinds:
 * - `'work'`: a Lambda invocation, a state transition, a delivery of an event;
 * - `'io'`: a request being served by a local server (dynalite, the AWS endpoint), i.e. real I/O in progress.
 *
 * The system is quiescent when no work is in flight and `settleTurns` consecutive real `setImmediate` turns
 * passed with no activity (no begin/end/`touch()`, no change in the number of pending fake timers).
 * Microtasks always drain before a `setImmediate` turn, so pure promise chains settle by themselves; real I/O
 * must be tracked (untracked I/O is invisible to the clock: a test doing its own `fetch` must `track()` it).
 *
 * ## Stalls: in-flight work blocked on a fake timer
 *
 * Some in-flight work waits for a fake timer itself: an AWS SDK retry back-off (the SDK sleeps with the global
 * `setTimeout`), a Step Functions `Retry` interval inside a tracked task, a Task's `TimeoutSeconds` timer, a
 * handler's own `setTimeout`. Waiting for such work to drain would deadlock. So: when work is in flight but
 * **no I/O** is in flight, nothing happened for `stallMs` real milliseconds and `settleTurns` real turns (so one
 * long synchronous stretch, a module load or a GC pause, is not a stall), and a fake timer is pending, the
 * system is considered *stalled* and the next timer fires anyway (still only if it is due by the target; if the
 * blocking timer is due after the target, `advanceTo` returns with that work still pending, and it resumes in a
 * later advance). The heuristic can misfire only if in-flight work waits for real I/O that is not tracked as
 * `'io'` for longer than `stallMs` (e.g. reading a file): track such I/O, or raise `stallMs`.
 * If work stays in flight with no progress and no timer to fire for `maxSettleMs` real milliseconds,
 * `advanceTo` throws, naming the in-flight work.
 *
 * ## Long timers
 *
 * Node (and fake-timers, which mimics it) turns a delay above 2^31-1 ms (~24.8 days) into 1 ms. Step Functions
 * waits up to a year, and `aws-local-stepfunctions` implements `Wait` with one `setTimeout`, so the clock wraps
 * the fake `setTimeout` to split longer delays into chained timers. `clearTimeout` accepts the wrapped handles.
 */
import type * as http from 'node:http';
import * as FakeTimers from '@sinonjs/fake-timers';

/** Largest delay Node's timers accept (2^31 - 1 ms). */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

export type WorkKind = 'work' | 'io';

/** Called before each quiescence wait of `advanceTo` (once per timer); a returned promise is awaited. */
export type SettleHook = () => unknown;

export interface VirtualClockOptions {
  /** Initial virtual time. Default: the real current time. */
  readonly now?: Date | number;
  /** Consecutive idle real `setImmediate` turns that make the system quiescent. Default 3. */
  readonly settleTurns?: number;
  /** Real milliseconds without progress after which in-flight work (with no I/O) counts as stalled. Default 25. */
  readonly stallMs?: number;
  /** Real milliseconds without any progress after which `advanceTo` gives up and throws. Default 30,000. */
  readonly maxSettleMs?: number;
  /** Upper bound on timers fired by a single `advanceTo` (a runaway-loop guard). Default 1,000,000. */
  readonly maxTimersPerAdvance?: number;
}

interface InFlight {
  readonly id: number;
  readonly label: string;
  readonly kind: WorkKind;
  readonly since: number;
}

/** A handle for a timer longer than MAX_TIMER_DELAY_MS, split into chained fake timers. */
class LongTimer {
  public current: any;
  public cancelled = false;
  private refed = true;
  constructor(private readonly id: number) {}
  ref() { this.refed = true; return this; }
  unref() { this.refed = false; return this; }
  hasRef() { return this.refed; }
  refresh() { return this; }
  [Symbol.toPrimitive]() { return this.id; }
}

function toMs(when: Date | number): number {
  return typeof when === 'number' ? when : when.getTime();
}

let installed: VirtualClock | undefined;

export class VirtualClock {
  /**
   * Installs the fake timers on `globalThis` and returns the clock. Only one VirtualClock may be installed at a
   * time (in a process, or in a jest test file's global).
   */
  public static install(options: VirtualClockOptions = {}): VirtualClock {
    if (installed) {
      throw new Error('A VirtualClock is already installed; uninstall() it first');
    }
    if ((globalThis.setTimeout as any).clock) {
      throw new Error('Fake timers are already installed on globalThis (jest.useFakeTimers?)');
    }
    trackHttpClientRequests();
    const clock = new VirtualClock(options);
    installed = clock;
    return clock;
  }

  /** The installed clock, if any. */
  public static current(): VirtualClock | undefined {
    return installed;
  }

  /** The underlying fake-timers clock. */
  public readonly fake: ReturnType<typeof FakeTimers.install>;

  private readonly settleTurns: number;
  private readonly stallMs: number;
  private readonly maxSettleMs: number;
  private readonly maxTimersPerAdvance: number;
  private readonly realSetTimeout: typeof setTimeout;
  private readonly realSetImmediate: typeof setImmediate;
  private readonly fakeSetTimeout: typeof setTimeout;
  private readonly fakeClearTimeout: typeof clearTimeout;
  private readonly inFlightWork = new Map<number, InFlight>();
  private nextWorkId = 1;
  private nextLongTimerId = 1;
  private activity = 0;
  private ioCount = 0;
  private uninstalled = false;
  private firedTimers = 0;

  private constructor(options: VirtualClockOptions) {
    this.settleTurns = options.settleTurns ?? 3;
    this.stallMs = options.stallMs ?? 25;
    this.maxSettleMs = options.maxSettleMs ?? 30_000;
    this.maxTimersPerAdvance = options.maxTimersPerAdvance ?? 1_000_000;
    this.realSetTimeout = globalThis.setTimeout;
    this.realSetImmediate = globalThis.setImmediate;
    this.fake = FakeTimers.install({
      now: options.now === undefined ? Date.now() : toMs(options.now),
      toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'],
      shouldClearNativeTimers: true,
      loopLimit: 1_000_000,
    });
    this.fakeSetTimeout = globalThis.setTimeout;
    this.fakeClearTimeout = globalThis.clearTimeout;
    const self = this;
    const wrappedSetTimeout = function setTimeout(fn: (...a: any[]) => void, ms?: number, ...args: any[]) {
      const delay = Number(ms ?? 0);
      if (!(delay > MAX_TIMER_DELAY_MS) || typeof fn !== 'function') {
        return (self.fakeSetTimeout as any)(fn, ms, ...args);
      }
      const handle = new LongTimer(self.nextLongTimerId++);
      const dueAt = self.fake.now + delay;
      const arm = () => {
        const remaining = dueAt - self.fake.now;
        if (remaining > MAX_TIMER_DELAY_MS) {
          handle.current = (self.fakeSetTimeout as any)(arm, MAX_TIMER_DELAY_MS);
        } else {
          handle.current = (self.fakeSetTimeout as any)(fn, remaining, ...args);
        }
      };
      arm();
      return handle;
    };
    const wrappedClearTimeout = function clearTimeout(handle: any) {
      if (handle instanceof LongTimer) {
        handle.cancelled = true;
        return (self.fakeClearTimeout as any)(handle.current);
      }
      return (self.fakeClearTimeout as any)(handle);
    };
    Object.assign(wrappedSetTimeout, { clock: this.fake });
    Object.assign(wrappedClearTimeout, { clock: this.fake });
    globalThis.setTimeout = wrappedSetTimeout as any;
    globalThis.clearTimeout = wrappedClearTimeout as any;
  }

  /** Current virtual time. */
  public now(): Date {
    return new Date(this.fake.now);
  }

  /** Current virtual time in epoch milliseconds. */
  public nowMs(): number {
    return this.fake.now;
  }

  /** Starts tracking one piece of in-flight work; call the returned function (once) when it is done. */
  public begin(label = 'work', kind: WorkKind = 'work'): () => void {
    const id = this.nextWorkId++;
    this.inFlightWork.set(id, { id, label, kind, since: this.fake.now });
    if (kind === 'io') this.ioCount++;
    this.activity++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlightWork.delete(id);
      if (kind === 'io') this.ioCount--;
      this.activity++;
    };
  }

  /** Tracks a promise (or an async function, called at once) as in-flight work until it settles. */
  public async track<T>(work: Promise<T> | (() => Promise<T> | T), label = 'work', kind: WorkKind = 'work'): Promise<T> {
    const end = this.begin(label, kind);
    try {
      return await (typeof work === 'function' ? work() : work);
    } finally {
      end();
    }
  }

  /** Records progress (resets the stall detector), e.g. when a chunk of a request body arrives. */
  public touch(): void {
    this.activity++;
  }

  /** Labels of the work in flight now. */
  public inFlight(): string[] {
    return [...this.inFlightWork.values()].map(w => `${w.kind}:${w.label}`);
  }

  /** Number of pending fake timers. */
  public pendingTimers(): number {
    return this.fake.countTimers();
  }

  /** Due time (epoch ms) of the earliest pending fake timer. */
  public nextTimerAt(): number | undefined {
    const heap = (this.fake as any).timerHeap;
    if (heap && typeof heap.peek === 'function') {
      return heap.peek()?.callAt;
    }
    const timers = (this.fake as any).timers as Record<string, { callAt: number }> | undefined;
    let first: number | undefined;
    for (const t of Object.values(timers ?? {})) {
      if (first === undefined || t.callAt < first) first = t.callAt;
    }
    return first;
  }

  /** Total fake timers fired by this clock. */
  public timersFired(): number {
    return this.firedTimers;
  }

  /** Advances virtual time by `ms`; see `advanceTo`. */
  public async advanceBy(ms: number, settle?: SettleHook): Promise<void> {
    return this.advanceTo(this.fake.now + ms, settle);
  }

  /**
   * Fires every timer due up to `when`, in time order, waiting for quiescence (or a stall) before each one, then
   * moves the clock to `when`. A target in the past just settles the system (firing timers due now).
   */
  public async advanceTo(when: Date | number, settle?: SettleHook): Promise<void> {
    this.assertInstalled();
    const target = Math.max(toMs(when), this.fake.now);
    let fired = 0;
    for (;;) {
      await this.quiesce(settle);
      const next = this.nextTimerAt();
      if (next === undefined || next > target) break;
      if (++fired > this.maxTimersPerAdvance) {
        throw new Error(`advanceTo fired more than ${this.maxTimersPerAdvance} timers (a timer loop?)`);
      }
      this.firedTimers++;
      this.fake.next();
    }
    if (this.fake.now < target) {
      this.fake.tick(target - this.fake.now);
    }
  }

  /** Waits for quiescence and fires the timers due now (equivalent to `advanceTo(now())`). */
  public async settle(settle?: SettleHook): Promise<void> {
    return this.advanceTo(this.fake.now, settle);
  }

  /** Restores the real timers and Date. */
  public uninstall(): void {
    if (this.uninstalled) return;
    this.uninstalled = true;
    globalThis.setTimeout = this.fakeSetTimeout;
    globalThis.clearTimeout = this.fakeClearTimeout;
    this.fake.uninstall();
    if (installed === this) installed = undefined;
  }

  /** Sleeps in real time (for runtime internals that must wait for real I/O). */
  public realSleep(ms: number): Promise<void> {
    return new Promise(resolve => this.realSetTimeout(resolve, ms));
  }

  private realTurn(): Promise<void> {
    return new Promise(resolve => this.realSetImmediate(resolve));
  }

  /** Resolves when the system is quiescent or stalled (see the file's documentation). */
  private async quiesce(settle?: SettleHook): Promise<'idle' | 'stalled'> {
    if (settle) {
      const r = settle();
      if (r && typeof (r as any).then === 'function') {
        await this.track(r as Promise<unknown>, 'settle-hook');
      }
    }
    let idleTurns = 0;
    let quietTurns = 0;
    let seen = this.fingerprint();
    let lastProgress = performance.now();
    for (;;) {
      await this.realTurn();
      const fp = this.fingerprint();
      if (fp !== seen) {
        seen = fp;
        idleTurns = 0;
        quietTurns = 0;
        lastProgress = performance.now();
        continue;
      }
      if (this.inFlightWork.size === 0) {
        if (++idleTurns >= this.settleTurns) return 'idle';
        continue;
      }
      idleTurns = 0;
      quietTurns++;
      const quietFor = performance.now() - lastProgress;
      // Quiet for stallMs AND for several turns: one long synchronous stretch (a module load, a GC pause) is one
      // turn, and must not pass for work blocked on a timer.
      if (this.ioCount === 0 && this.fake.countTimers() > 0 && quietFor >= this.stallMs && quietTurns >= this.settleTurns) {
        return 'stalled';
      }
      if (quietFor >= this.maxSettleMs) {
        throw new Error(`VirtualClock: in-flight work made no progress for ${Math.round(quietFor)} ms `
          + `and no timer can fire: ${this.inFlight().join(', ')}`);
      }
      // Work is waiting for real I/O: sleep a real millisecond rather than spin.
      await this.realSleep(1);
    }
  }

  private fingerprint(): string {
    return `${this.activity}/${this.fake.countTimers()}`;
  }

  private assertInstalled(): void {
    if (this.uninstalled) throw new Error('VirtualClock was uninstalled');
  }
}

let httpTracked = false;

/**
 * Tracks every HTTP request made in this process (the handlers' AWS SDK calls to dynalite and the local endpoint)
 * as in-flight `'io'`, from the moment the request is created until its response ends: the servers track only the
 * time they serve a request, and under CPU load a request can spend several turns on the loopback socket, which
 * must not pass for work blocked on a timer. Installed once per process and never removed, because the SDK keeps a
 * reference to `http.request` once it has made its first request; it tracks only while a clock is installed.
 */
function trackHttpClientRequests(): void {
  if (httpTracked) return;
  httpTracked = true;
  // The module object itself (an ES namespace import would be a frozen copy): the SDK reads `request` from it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeHttp: typeof http = require('node:http');
  const original = nodeHttp.request;
  const tracked = function (this: unknown, ...args: unknown[]): http.ClientRequest {
    const request = (original as (...a: unknown[]) => http.ClientRequest).apply(this, args);
    const end = VirtualClock.current()?.begin('http-client', 'io');
    if (end) {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        end();
      };
      request.once('response', (response) => {
        response.once('end', finish);
        response.once('close', finish);
        response.once('error', finish);
      });
      request.once('error', finish);
      request.once('close', finish);
    }
    return request;
  };
  nodeHttp.request = tracked as typeof http.request;
}
