import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';

/**
 * How long a stopping worker lets running activities finish before cancelling them. It must end
 * before the container is killed (docker-compose gives the worker 30 s, `stop_grace_period`), so
 * that cancelled activities still report back and Temporal retries them at once on another
 * worker, instead of waiting out their timeouts. 25 s lets a clone in flight finish.
 */
export const WORKER_SHUTDOWN_GRACE_MS = 25_000;

export interface CallWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: WorkerOptions['activities'];
  /** A prebuilt bundle (tests build it once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createCallWorker(options: CallWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    shutdownGraceTime: WORKER_SHUTDOWN_GRACE_MS,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
  });
}
