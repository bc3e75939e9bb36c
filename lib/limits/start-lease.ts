import { randomBytes } from 'node:crypto';
import { START_MARGIN_MS, MAX_BATCH, type LeaseGrant, type SettledLease } from './throttle-gate';

/**
 * One budget's leases of starts in one worker (the gate's "Leases", lib/limits/throttle-gate.ts): starts the gate
 * counted at a lease's instant, handed to the worker's next jobs of that budget without a call. A start is handed
 * out only within LEASE_HAND_OUT_MS of the call that asked for it leaving this process, so the job's handler,
 * started at once, starts within START_MARGIN_MS of the lease's instant, or is moved in the log like any late
 * admission. When that time is up, or all its starts are handed out, the lease is settled in one call: what is
 * left given back, and the lease's instant written as the admission of each job that took a start (the record
 * an admission writes, here one call per lease instead of one per job).
 *
 * How many to ask for: as many as the budget's jobs asked for in the last hand-out period (at most a batch), and
 * none below MIN_LEASE: a lease pays off only for a budget whose jobs come faster than round trips.
 */

/** How long after its call left a lease's starts may be handed out (ms): half the margin, the other half for the hand-over. */
export const LEASE_HAND_OUT_MS = START_MARGIN_MS / 2;
/** Asks in a hand-out period below which no lease is asked for. */
export const MIN_LEASE = 4;
/** A lease's size for a hand-out period's asks: some slack, as a lease's starts reach the worker a round trip into its time. */
const LEASE_SLACK = 1.5;

/** A start handed out: the log entry it is, the lease's instant (Redis's clock) and when its call left (performance.now()). */
export interface LeasedStart {
  member: string;
  at: number;
  sent: number;
}

/** Unique per process, so that names of leases from several workers never meet in one log. */
const PROCESS_TAG = randomBytes(6).toString('base64url');
let sequence = 0;

/** The prefix of a new lease's entry names (`lease:<process>:<n>`; the gate appends `:1` … `:granted`). */
export function leasePrefix(): string {
  return `lease:${PROCESS_TAG}:${++sequence}`;
}

class Lease {
  private next = 1;
  readonly takers: string[] = [];
  /** Closes the lease when its hand-out time is up. */
  timer: NodeJS.Timeout | undefined;
  constructor(
    readonly prefix: string,
    readonly at: number,
    readonly sent: number,
    private readonly granted: number,
  ) {}

  usable(now: number): boolean {
    return this.next <= this.granted && now - this.sent < LEASE_HAND_OUT_MS;
  }

  take(jobKey: string): LeasedStart {
    this.takers.push(jobKey);
    return { member: `${this.prefix}:${this.next++}`, at: this.at, sent: this.sent };
  }

  get left(): number {
    return this.granted - this.next + 1;
  }

  /** The lease's end: none are handed out after this. */
  close(): SettledLease {
    const unused = Array.from({ length: this.left }, (_, i) => `${this.prefix}:${this.next + i}`);
    this.next = this.granted + 1;
    return { at: this.at, unused, takers: this.takers };
  }
}

export class StartLeases {
  private readonly leases: Lease[] = [];
  /** Asks in the current hand-out period (from `since`), and in the one before it. */
  private asks = 0;
  private before = 0;
  private since = performance.now();
  /** A call asking for a lease is on its way: no second one meanwhile. */
  asking = false;

  constructor(
    /** Settle a lease whose time is up or whose starts are all handed out. */
    private readonly settle: (lease: SettledLease) => void,
    /** Called when the time of the last lease held is up (the budget may be forgotten). */
    private readonly onEmpty: () => void,
  ) {}

  /** Count an ask that could take a leased start (for the size of the next lease). */
  noteAsk(now: number): void {
    if (now - this.since >= LEASE_HAND_OUT_MS) {
      this.before = now - this.since < 2 * LEASE_HAND_OUT_MS ? this.asks : 0;
      this.asks = 0;
      this.since = now;
    }
    this.asks++;
  }

  /**
   * How many starts to ask for with the next call: a hand-out period's asks, less what the leases held can still
   * hand out; 0 when the budget's jobs ask too seldom, or a lease call is on its way.
   */
  want(now = performance.now()): number {
    if (this.asking) return 0;
    const demand = this.demand();
    const want = Math.min(MAX_BATCH, Math.ceil(demand * LEASE_SLACK)) - this.left(now);
    return demand >= MIN_LEASE && want >= MIN_LEASE ? want : 0;
  }

  private demand(): number {
    return Math.min(MAX_BATCH, Math.max(this.asks, this.before));
  }

  /** Starts the leases held can still hand out. */
  private left(now: number): number {
    return this.leases.reduce((n, l) => n + (l.usable(now) ? l.left : 0), 0);
  }

  /** A leased start for the job whose hash is `jobKey`, if a lease has one to hand out now. */
  take(now: number, jobKey: string): LeasedStart | undefined {
    const lease = this.leases.find((l) => l.usable(now));
    if (!lease) return undefined;
    const start = lease.take(jobKey);
    // Settled at once when all handed out (its jobs get their record sooner); the budget is in use: not emptied.
    if (!lease.left) this.close(lease, false);
    return start;
  }

  /** Whether to ask for the next lease now, before this one runs out: few starts left, or half its time gone. */
  runningLow(now: number): boolean {
    if (this.asking) return false;
    return this.left(now) < this.demand() / 2 || this.leases.every((l) => !l.usable(now) || now - l.sent >= LEASE_HAND_OUT_MS / 2);
  }

  /** A lease granted to the call that left at `sent`; closed, and what is left given back, when its time is up. */
  add(prefix: string, grant: LeaseGrant, sent: number): void {
    if (grant.granted <= 0) return;
    const lease = new Lease(prefix, grant.at, sent, grant.granted);
    this.leases.push(lease);
    lease.timer = setTimeout(() => this.close(lease, true), Math.max(0, sent + LEASE_HAND_OUT_MS - performance.now()));
    lease.timer.unref();
  }

  get empty(): boolean {
    return this.leases.length === 0;
  }

  private close(lease: Lease, timeUp: boolean): void {
    this.leases.splice(this.leases.indexOf(lease), 1);
    clearTimeout(lease.timer);
    this.settle(lease.close());
    if (timeUp && this.empty) this.onEmpty();
  }
}
