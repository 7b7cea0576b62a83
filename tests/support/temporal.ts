import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../src/contracts/search-attributes';
import { INSTALL_HINT, resolveTemporalBinary, type ServerExecutable } from '../../src/temporal/binaries';
import { devServerArgs } from '../../src/temporal/dev-server';

/**
 * A real Temporal server for a test file: the cluster at TEMPORAL_ADDRESS if set, otherwise a dev
 * server started through the SDK from the project's binary (PATH or .tools/, see
 * `npm run temporal:install`), with the custom search attributes registered. Never skipped: if no
 * server can be had the suite fails with instructions.
 */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by an earlier suite in this process.
  }
}

export async function startTestTemporal(executable: ServerExecutable = resolveTemporalBinary('temporal')): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  if (process.env.TEMPORAL_ADDRESS) {
    return TestWorkflowEnvironment.createFromExistingServer({ address: process.env.TEMPORAL_ADDRESS });
  }
  try {
    return await TestWorkflowEnvironment.createLocal({
      server: { executable, ip: '127.0.0.1', searchAttributes: SEARCH_ATTRIBUTES, log: { format: 'pretty', level: 'error' }, extraArgs: devServerArgs() },
    });
  } catch (err) {
    throw new Error(`No Temporal server for the tests: ${(err as Error).message}. ${INSTALL_HINT}`, { cause: err });
  }
}

/** The time-skipping test server (Java), for workflows whose timers are minutes or hours long. */
export async function startTimeSkippingTemporal(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const executable = resolveTemporalBinary('temporal-test-server');
  try {
    const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
    // The test server takes no search-attribute flag; register them through the operator API.
    await env.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    });
    return env;
  } catch (err) {
    throw new Error(`No Temporal time-skipping test server: ${(err as Error).message}. ${INSTALL_HINT}`, { cause: err });
  }
}
