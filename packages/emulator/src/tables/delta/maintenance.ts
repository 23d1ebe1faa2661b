/**
 * Background upkeep of one table — checkpoints and compaction — run after appends, never in
 * their way: nothing here runs before an append's commit is durable, the work starts on a later
 * turn of the event loop, one task runs at a time, and a failure is reported and retried later
 * (after more commits), never surfacing in an append.
 */

export interface MaintenanceTask {
  /** Names the task in reports. */
  readonly name: string;
  /** Whether the task has work at the table's current version. */
  due(): boolean;
  run(): Promise<void>;
}

/** How a failed task is reported: by default a process warning naming the table (no paths). */
export type MaintenanceReporter = (error: Error, task: string) => void;

/** Commits to wait after a failure before trying the task again. */
const RETRY_AFTER_COMMITS = 10;

export class Maintenance {
  readonly #tasks: readonly MaintenanceTask[];
  readonly #version: () => number;
  readonly #report: MaintenanceReporter;
  readonly #retryAt = new Map<string, number>();
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(tasks: readonly MaintenanceTask[], version: () => number, report: MaintenanceReporter) {
    this.#tasks = tasks;
    this.#version = version;
    this.#report = report;
  }

  /** Starts a round of due tasks in the background unless one runs already. */
  poke(): void {
    if (this.#running || this.#stopped || !this.#tasks.some((t) => this.#ready(t))) return;
    this.#running = this.#round().finally(() => {
      this.#running = undefined;
      this.poke(); // commits made meanwhile may have made a task due again
    });
  }

  /** Resolves when the running round (if any) has finished; `stop` also refuses further rounds. */
  async settle(options: { stop?: boolean } = {}): Promise<void> {
    if (options.stop) this.#stopped = true;
    while (this.#running) await this.#running;
  }

  #ready(task: MaintenanceTask): boolean {
    return this.#version() >= (this.#retryAt.get(task.name) ?? -1) && task.due();
  }

  async #round(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // let the acknowledgements go first
    for (const task of this.#tasks) {
      if (this.#stopped || !this.#ready(task)) continue;
      try {
        await task.run();
        this.#retryAt.delete(task.name);
      } catch (error) {
        this.#retryAt.set(task.name, this.#version() + RETRY_AFTER_COMMITS);
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && this.#stopped) continue;
        this.#report(error instanceof Error ? error : new Error(String(error)), task.name);
      }
    }
  }
}
