/**
 * The seed's dynamic example: CPU and storage computed from the task's actual arguments.
 * cpu = min(8, number of files); storage = 1.5 x the files' total size. Unlike Latch, the storage
 * is not rounded down (`// 1024**3` would ask for 0 GiB for files under a GiB).
 */
import { customTask, TaskFile } from "taskfit";

export const allocateCpu = (files: TaskFile[]) => Math.min(8, files.length);

/** unit: GiB */
export const allocateStorage = (files: TaskFile[]) =>
  (1.5 * files.reduce((total, file) => total + file.size(), 0)) / 1024 ** 3;

export const myTask = customTask({ cpu: allocateCpu, memory: 8, storage_gib: allocateStorage })(
  async function myTask(files: TaskFile[], count: number) {
    return files.map((file) => `${file.name} x${count}`);
  },
);
