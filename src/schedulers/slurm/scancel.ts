/**
 * Cancelling jobs: the cancels asked for in one go (a fan-out whose shared signal aborts asks for
 * all of them at once) reach Slurm as one `scancel` with every id, not one process per call. An
 * element of a job array is cancelled by its own id (`123_4`): the other elements go on.
 */
import type { RunCommand } from "./commands.js";

/** Job ids per scancel: keeps the argv short however many calls are cancelled at once. */
const SCANCEL_BATCH = 500;

export class Canceller {
  private gathering: { readonly ids: string[]; readonly done: Promise<void> } | undefined;

  constructor(private readonly exec: RunCommand) {}

  /** Cancels the job; resolves once scancel has returned (whatever it said: a job that already ended is no error here). */
  cancel(id: string): Promise<void> {
    if (this.gathering === undefined) {
      const ids: string[] = [];
      // Abort listeners run one after another in one go: by the next microtask every one has asked.
      const done = Promise.resolve().then(() => {
        this.gathering = undefined;
        return this.run(ids);
      });
      this.gathering = { ids, done };
    }
    this.gathering.ids.push(id);
    return this.gathering.done;
  }

  private async run(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += SCANCEL_BATCH) await this.exec("scancel", ids.slice(i, i + SCANCEL_BATCH));
  }
}
