import type { PrismaClient } from '../db/prisma';
import { callLogActivities } from './call-log';

export interface ActivityDeps {
  prisma: PrismaClient;
}

/** Every activity the worker registers, built from injected dependencies (real or test ones). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...callLogActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
