import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { CallOutcome, CallStatus } from '../../src/contracts/call';
import type { SandboxRequestRecord } from '../../simulators/elevenlabs';
import type { TestStack } from './stack';
import { incomingCall, post3cx } from './threecx';

export const HISTORIES_DIR = path.resolve(__dirname, '../fixtures/histories');

export async function eventually<T>(fn: () => Promise<T> | T, accept: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Posts a signed IncomingCall and returns the workflow id. */
export async function placeCall(stack: TestStack, overrides: Record<string, unknown> = {}): Promise<{ workflowId: string; body: Record<string, unknown> }> {
  const body = incomingCall(overrides);
  const res = await post3cx(stack.apiUrl, body);
  if (res.status !== 202) throw new Error(`IncomingCall answered ${res.status}: ${JSON.stringify(res.json)}`);
  return { workflowId: res.json.workflow_id as string, body };
}

export async function callResult(stack: TestStack, workflowId: string): Promise<CallOutcome> {
  return stack.env.client.workflow.getHandle(workflowId).result() as Promise<CallOutcome>;
}

export async function callStatus(stack: TestStack, workflowId: string): Promise<CallStatus> {
  return stack.env.client.workflow.getHandle(workflowId).query<CallStatus>('status');
}

/** Outbound-call requests the sandbox received for one of our calls, by step. */
export function agentCallRequests(stack: TestStack, workflowId: string, step?: 'greeting' | 'agent'): SandboxRequestRecord[] {
  return stack.sandbox.requests.filter((r) => {
    if (r.endpoint !== 'outboundCall') return false;
    const data = (r.json as any)?.conversation_initiation_client_data;
    return data?.user_id === workflowId && (!step || data?.dynamic_variables?.call_step === step);
  });
}

export function cloneRequests(stack: TestStack): SandboxRequestRecord[] {
  return stack.sandbox.requests.filter((r) => r.endpoint === 'voices.add');
}

/** Set RECORD_HISTORIES=1 to (re)write the replay fixtures from a test run. */
export async function maybeRecordHistory(stack: TestStack, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await stack.env.client.workflow.getHandle(workflowId).fetchHistory();
  // The same JSON as `temporal workflow show --output json` and the Web UI download.
  writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), historyToJSON(history));
}

export function uniqueCaller(): string {
  return `+49151${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
}
