import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Clock } from '../../core/ports';
import type { Logger } from '../../logger';
import type { Lease, OutboxRepository } from './outbox-repository';
import type { LaneBudget } from './pacing';

export interface LaneLeasesOptions {
  repo: OutboxRepository;
  clock: Clock;
  log: Logger;
  /** How long a lease lasts without renewal: a dead process's lane is taken over after this. */
  ttlMs: number;
  /** This instance's id in the lease table; by default `host/pid/random`. */
  owner?: string;
}

/**
 * Leases on the outbox's lanes, so that processes sharing the database send a lane's items one
 * after the other and each once: a process takes the lane before sending its head item, renews the
 * lease while the call runs (every third of the ttl) and releases it afterwards. Marks made under a
 * lease need its fence (outbox-repository.ts), so a process whose lease was taken over changes
 * nothing. The lane's rate budget (pacing.ts) travels with the lease: taken with it, stored at its
 * release, so the processes pace a lane as one.
 */
export class LaneLeases {
  readonly owner: string;

  constructor(private readonly o: LaneLeasesOptions) {
    this.owner = o.owner ?? `${os.hostname()}/${process.pid}/${randomUUID()}`;
  }

  /**
   * Releases the leases of processes on this machine that are gone (a `kill -9` before a restart),
   * so their lanes go on at once rather than after the expiry. Owners named otherwise, on other
   * machines or with a live (or reused) pid wait for the expiry.
   */
  releaseDeadLocal(): void {
    const now = iso(this.o.clock.now().getTime());
    for (const owner of this.o.repo.leaseOwners(now)) {
      const [host, pid] = owner.split('/');
      if (host !== os.hostname() || !/^\d+$/.test(pid ?? '') || Number(pid) === process.pid || isAlive(Number(pid))) continue;
      this.o.log.info({ owner }, 'slack outbox releasing the lane leases of a process that is gone');
      this.o.repo.releaseLeases(owner, now);
    }
  }

  /** The lane's lease with its budget as the last holder left it, or when the lease someone else holds expires (ms). */
  take(lane: string): { lease: Lease; budget: LaneBudget } | { busyUntil: number } {
    const now = this.o.clock.now().getTime();
    const taken = this.o.repo.takeLease(lane, this.owner, iso(now), iso(now + this.o.ttlMs));
    if (taken) {
      const { budget, ...lease } = taken;
      return { lease, budget: { pacedUntil: ms(budget.pacedUntil), heldUntil: ms(budget.heldUntil) } };
    }
    const expiry = this.o.repo.leaseExpiry(lane);
    return { busyUntil: expiry ? Date.parse(expiry) : now };
  }

  /** Renews the lease until the returned function is called, or until it is lost. */
  keep(lease: Lease): () => void {
    const timer = setInterval(
      () => {
        try {
          if (this.o.repo.renewLease(lease, iso(this.o.clock.now().getTime() + this.o.ttlMs))) return;
          this.o.log.warn({ lane: lease.lane, fence: lease.fence }, 'slack outbox lost its lease on a lane; another process took it over');
        } catch (err) {
          this.o.log.warn({ err, lane: lease.lane }, 'slack outbox cannot renew its lease on a lane');
        }
        clearInterval(timer);
      },
      Math.max(1, Math.floor(this.o.ttlMs / 3)),
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Frees the lane for the others, leaving them its budget as this process spent it. */
  release(lease: Lease, budget: LaneBudget): void {
    this.o.repo.releaseLease(lease, iso(this.o.clock.now().getTime()), {
      pacedUntil: budget.pacedUntil ? iso(budget.pacedUntil) : null,
      heldUntil: budget.heldUntil ? iso(budget.heldUntil) : null,
    });
  }

  /** Every lease of this process, e.g. at stop, so other processes need not wait for the expiry. */
  releaseAll(): void {
    this.o.repo.releaseLeases(this.owner, iso(this.o.clock.now().getTime()));
  }
}

const iso = (at: number) => new Date(at).toISOString();
const ms = (at: string | null) => (at ? Date.parse(at) : 0);

/** Whether a process with this pid exists on this machine. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, owned by someone else.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
