import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { databaseWrite, localDatabaseWrite } from './activity-options';

/**
 * A database step of a workflow, run as a local activity (`local`, v5) or, when replaying an
 * execution that began before v5, as the activity its history holds.
 */
export function databaseStep<K extends keyof Activities>(name: K, summary: string, local: boolean): Activities[K] {
  return local ? proxyLocalActivities<Activities>({ ...localDatabaseWrite, summary })[name] : proxyActivities<Activities>({ ...databaseWrite, summary })[name];
}
