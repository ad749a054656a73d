import type { AppContext } from "./context.ts";
import { sweepOrphanedFiles, DEFAULT_SWEEP_GRACE_MS } from "./files/sweep.ts";
import { closeMail, flushOutbox } from "./mail/outbox.ts";
import { sendDigests } from "./notifications/digest.ts";
import { deliverDue, pruneDeliveries } from "./webhooks/webhooks.ts";
import { sweepDueVersions, SWEEP_BATCH, SWEEP_INTERVAL_MS } from "./wiki/versions.ts";
import { notifyQuietRooms } from "./engagement/quiet.ts";

/**
 * Background work, started and stopped in one place (docs/architecture.md, "Background jobs"):
 * the page version sweeper (the quiet-period trigger), the orphaned-file sweep and the daily
 * digest with the outbox retry. Each tick of a job runs under a PostgreSQL advisory lock taken
 * with pg_try_advisory_lock: when several processes share a database, one of them runs a given
 * job at a time and the others skip that tick. A tick never overlaps the previous one in the
 * same process, failures are logged and retried on the next tick, and timers never keep the
 * process alive.
 */
export interface Job {
  name: JobName;
  /** Time between ticks. */
  everyMs: number;
  /** Overrides `everyMs` from the configuration (e.g. WEBHOOK_TICK_MS). */
  everyMsFrom?(app: AppContext): number;
  /** The first tick, after start; defaults to `everyMs`. */
  firstAfterMs?: number;
  /** One tick; `stopping()` turns true once stop() was called, for jobs that loop through a backlog. */
  run(app: AppContext, stopping: () => boolean): Promise<void>;
  /** Called once on stop, after the last tick finished. */
  onStop?(app: AppContext): void;
}

export type JobName = "page-versions" | "file-sweep" | "digests" | "engagement-quiet" | "webhooks" | "webhook-prune";

export const JOBS: readonly Job[] = [
  {
    name: "page-versions",
    everyMs: SWEEP_INTERVAL_MS,
    async run(app, stopping) {
      // Keep going while full batches come back, so a backlog drains without waiting.
      while (!stopping() && (await sweepDueVersions(app)) === SWEEP_BATCH) {}
    },
  },
  {
    name: "file-sweep",
    everyMs: DEFAULT_SWEEP_GRACE_MS,
    // Shortly after start: a crash's leftovers.
    firstAfterMs: 60_000,
    async run(app) {
      const result = await sweepOrphanedFiles(app);
      if (result.tempFiles || result.blobRows || result.blobBytes) app.log.info({ ...result }, "swept orphaned file data");
    },
  },
  {
    name: "digests",
    everyMs: 60 * 60 * 1000,
    async run(app) {
      const { sent } = await sendDigests(app);
      if (sent) app.log.info({ sent }, "daily digests sent");
      await flushOutbox(app);
    },
    onStop: (app) => closeMail(app),
  },
  {
    // Rooms gone quiet: a notice to each owner (server/engagement/quiet.ts).
    name: "engagement-quiet",
    everyMs: 60 * 60 * 1000,
    async run(app) {
      const sent = await notifyQuietRooms(app);
      if (sent) app.log.info({ sent }, "gone-quiet notices");
    },
  },
  {
    // The webhook outbox (docs/decisions/022-crm-sync.md): due deliveries, a few at a time, each
    // with a short timeout; the advisory lock keeps it to one process. WEBHOOK_TICK_MS sets the pace.
    name: "webhooks",
    everyMs: 5000,
    everyMsFrom: (app) => app.config.webhooks.tickMs,
    async run(app, stopping) {
      while (!stopping() && (await deliverDue(app, stopping)) === 50) {}
    },
  },
  {
    // Old finished deliveries (decision 022): removed after WEBHOOK_RETENTION_DAYS, each webhook keeping its last.
    name: "webhook-prune",
    everyMs: 60 * 60 * 1000,
    async run(app, stopping) {
      const removed = await pruneDeliveries(app, stopping);
      if (removed) app.log.info({ removed }, "old webhook deliveries pruned");
    },
  },
];

export interface RunningJobs {
  /** Runs one tick of a job now (under its lock) and resolves when it is done; false when another process held the lock. */
  runNow(name: JobName): Promise<boolean>;
  /** Stops every timer and waits for running ticks. */
  stop(): Promise<void>;
}

/** The advisory lock key of a job: one 64-bit key per name, the same in every process. */
export const jobLockKey = (name: JobName) => `dealroom.job:${name}`;

/**
 * One tick under the job's advisory lock, on a connection reserved for the tick (a session lock
 * belongs to its connection). Returns false when another process holds the lock.
 */
async function tickLocked(app: AppContext, job: Job, stopping: () => boolean): Promise<boolean> {
  const conn = await app.sql.reserve();
  try {
    const [row] = await conn<{ locked: boolean }[]>`
      select pg_try_advisory_lock(hashtextextended(${jobLockKey(job.name)}, 0)) as locked`;
    if (!row?.locked) return false;
    try {
      await job.run(app, stopping);
    } finally {
      await conn`select pg_advisory_unlock(hashtextextended(${jobLockKey(job.name)}, 0))`.catch(() => {});
    }
    return true;
  } finally {
    conn.release();
  }
}

/** Starts the jobs (all of them unless `only` names some); `stop()` ends them. */
export function startJobs(app: AppContext, options: { only?: readonly JobName[]; jobs?: readonly Job[] } = {}): RunningJobs {
  const jobs = (options.jobs ?? JOBS).filter((j) => !options.only || options.only.includes(j.name));
  let stopped = false;
  const stopping = () => stopped;
  const running = new Map<JobName, Promise<boolean>>();
  const timers: NodeJS.Timeout[] = [];

  const tick = (job: Job): Promise<boolean> => {
    const current = running.get(job.name);
    if (current) return current;
    if (stopped) return Promise.resolve(false);
    const done = tickLocked(app, job, stopping)
      .catch((error: unknown) => {
        app.log.error({ err: error, job: job.name }, "a background job failed; retrying on its next tick");
        return true;
      })
      .finally(() => running.delete(job.name));
    running.set(job.name, done);
    return done;
  };

  for (const job of jobs) {
    const every = job.everyMsFrom?.(app) ?? job.everyMs;
    const start = () => {
      void tick(job);
      const interval = setInterval(() => void tick(job), every);
      interval.unref();
      timers.push(interval);
    };
    if (job.firstAfterMs !== undefined && job.firstAfterMs !== every) {
      const first = setTimeout(start, job.firstAfterMs);
      first.unref();
      timers.push(first);
    } else {
      const interval = setInterval(() => void tick(job), every);
      interval.unref();
      timers.push(interval);
    }
  }

  return {
    runNow(name) {
      const job = jobs.find((j) => j.name === name);
      if (!job) throw new Error(`no job ${name} is running here`);
      return tick(job);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const t of timers) clearTimeout(t);
      await Promise.all(running.values());
      for (const job of jobs) job.onStop?.(app);
    },
  };
}
