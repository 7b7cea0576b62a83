import { Context } from '@temporalio/activity';

export const probeActivities = {
  /** Sleeps like our activities wait on I/O: cancelled when the worker cancels the activity. */
  async slowStep(ms: number): Promise<{ pid: number }> {
    console.log(`slow step started in ${process.pid}`);
    await Context.current().sleep(ms);
    return { pid: process.pid };
  },
  failWith(message: string): Promise<void> {
    return Promise.reject(new Error(message));
  },
};

export type ProbeActivities = typeof probeActivities;
