import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CallPhase, CallStatus } from '../../src/contracts/call';
import { cloneStatusQuery } from '../../src/contracts/messages';
import { voiceCloneWorkflowId } from '../../src/temporal/caller-key';
import { resolveTemporalBinary } from '../../src/temporal/binaries';
import { humanVoiceId, voiceMs } from '../../simulators/audio';
import type { SimulatedCall } from '../../simulators/threecx';
import { cacheCloneFor, callResult, describeHeard, eventually, firstHeard, heard, maybeRecordHistory, reachPhase, uniqueCaller } from '../support/live-call';
import { startTestStack, SHORT_GREETING, TEST_DEFAULT_VOICE, TEST_FALLBACK_QUEUE, type TestStack } from '../support/stack';

// What an operator does with a live call, over our HTTP API (and the Temporal CLI): read its
// phase, steer the voice and the hand-off while the caller holds, cancel it. Proved from what the
// caller heard, the answers and call_log.
jest.setTimeout(60_000);

const TOKEN = 'operator-token-0123456789abcdef';
/** About 1.6 s of speech in the greeting voice. */
const CANCEL_MESSAGE = 'Sorry, this call ends now.';
const CANCEL_MESSAGE_HEARD_MS = 1_000;
const HUMAN = humanVoiceId(TEST_FALLBACK_QUEUE);

/** Hands off by itself; a human queue takes cancelled calls. */
let stack: TestStack;
/** AUTO_TRANSITION_ENABLED=false and no fallback destination. */
let manual: TestStack;

beforeAll(async () => {
  const env = { ADMIN_API_TOKEN: TOKEN, GREETING_MESSAGE: SHORT_GREETING, CANCEL_MESSAGE, CLONE_MAX_WAIT_SECONDS: '20', POST_CALL_GRACE_SECONDS: '1', CORS_ORIGINS: 'https://ops.example' };
  const sandbox = { callDurationMs: 2_000 };
  stack = await startTestStack({ env: { ...env, FALLBACK_DESTINATION: TEST_FALLBACK_QUEUE }, sandbox });
  manual = await startTestStack({ env: { ...env, AUTO_TRANSITION_ENABLED: 'false' }, sandbox, temporal: stack.env });
});
afterAll(async () => {
  await manual?.stop();
  await stack?.stop();
});
afterEach(() => {
  for (const s of [stack, manual]) {
    s.sandbox.clearFailures();
    s.sandbox.configure({ cloneLatencyMs: { min: 50, max: 100 }, agentFirstAudioLatencyMs: { min: 100, max: 200 }, callDurationMs: 2_000 });
    for (const call of s.pbx.calls) if (call.state !== 'ended') call.hangUp();
  }
});

async function act(s: TestStack, workflowId: string, action: string, token = TOKEN): Promise<{ status: number; json: any }> {
  const res = await fetch(`${s.apiUrl}/calls/${encodeURIComponent(workflowId)}/${action}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: await res.json() };
}

/** A caller whose clone takes `latencyMs`: the call holds (phase cloning) meanwhile. */
async function cloningCall(s: TestStack, latencyMs = 6_000): Promise<{ call: SimulatedCall; workflowId: string; caller: string }> {
  const caller = uniqueCaller();
  await s.registerVoiceSample(caller);
  s.sandbox.configure({ cloneLatencyMs: latencyMs });
  const { call, workflowId } = s.dial(caller);
  await reachPhase(s, workflowId, 'cloning');
  return { call, workflowId, caller };
}

const clonesRequested = (s: TestStack) => s.sandbox.requests.filter((r) => r.endpoint === 'voices.add').length;

test('GET /calls/:id answers from the workflow as the call moves: holding → cloning → connecting_agent → in_agent_call → completed', async () => {
  const caller = uniqueCaller();
  await stack.registerVoiceSample(caller);
  stack.sandbox.configure({ cloneLatencyMs: 1_000, agentFirstAudioLatencyMs: 1_000 });
  const { workflowId } = stack.dial(caller);
  const seen: CallPhase[] = [];
  for (const deadline = Date.now() + 20_000; seen.at(-1) !== 'completed' && Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const res = await fetch(`${stack.apiUrl}/calls/${encodeURIComponent(workflowId)}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    if (res.status === 404) continue;
    const body = (await res.json()) as { source: string; status: CallStatus };
    expect(body.source).toBe('workflow');
    if (seen.at(-1) !== body.status.phase) seen.push(body.status.phase);
  }
  // 'holding' lasts only until the clone job is joined: a poll may miss it.
  expect(seen.filter((p) => p !== 'holding')).toEqual(['cloning', 'connecting_agent', 'in_agent_call', 'completed']);
});

describe('steering the voice while the caller holds', () => {
  test('use-default-voice: 200 with the new status; the caller hears the agent in the default voice', async () => {
    const { call, workflowId } = await cloningCall(stack);
    const res = await act(stack, workflowId, 'use-default-voice');
    expect(res.status).toBe(200);
    expect(res.json.status).toMatchObject({ voice: { source: 'default', voiceId: TEST_DEFAULT_VOICE, fallbackReason: 'operator_requested' }, operatorActions: [{ action: 'useDefaultVoice' }] });
    const outcome = await callResult(stack, workflowId);
    expect(outcome).toMatchObject({ phase: 'completed', voice: { source: 'default', fallbackReason: 'operator_requested' } });
    expect(firstHeard(heard(call, [stack.config.greeting.voiceId, TEST_DEFAULT_VOICE]), TEST_DEFAULT_VOICE)).not.toBeNull();

    // The Web UI's search: by phase, voice source, the caller (hashed) and the 3CX call id.
    const description = await stack.env.client.workflow.getHandle(workflowId).describe();
    const attrs = Object.fromEntries(description.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]));
    expect(attrs).toMatchObject({ CallPhase: 'completed', VoiceSource: 'default', ThreeCxCallId: String(call.callid) });
    expect(attrs.CallerId).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(await description.staticSummary()).toMatch(/^Call from \+49151\*+\d{3} to \+4930123456$/);
  });

  test('hand-off-now during the hold: 200 at once; the agent speaks in the default voice right away', async () => {
    const { call, workflowId } = await cloningCall(stack);
    const askedAt = Date.now() - call.startedAt;
    const res = await act(stack, workflowId, 'hand-off-now');
    expect(res.status).toBe(200);
    expect(['connecting_agent', 'in_agent_call']).toContain(res.json.status.phase);
    const outcome = await callResult(stack, workflowId);
    expect(outcome.voice).toEqual({ source: 'default', voiceId: TEST_DEFAULT_VOICE, fallbackReason: 'operator_requested' });
    const segments = heard(call, [stack.config.greeting.voiceId, TEST_DEFAULT_VOICE]);
    const agentAt = firstHeard(segments, TEST_DEFAULT_VOICE);
    expect({ agentAt, timeline: describeHeard(segments) }).toEqual({ agentAt: expect.any(Number), timeline: describeHeard(segments) });
    // The agent's first-audio latency (≤ 200 ms in the sandbox) and the hand-off, not the 6 s clone.
    expect(agentAt! - askedAt).toBeLessThan(1_500);
  });

  test('retry-clone after a failed clone clones again; hand-off-now then hands off in the new clone (AUTO_TRANSITION_ENABLED=false)', async () => {
    const caller = uniqueCaller();
    await manual.registerVoiceSample(caller);
    manual.sandbox.setFailure('voices.add', { kind: 'voice_limit_reached', times: 1 });
    const { call, workflowId } = manual.dial(caller);
    const waiting = await reachPhase(manual, workflowId, 'awaiting_operator');
    expect(waiting.voice).toMatchObject({ source: 'default', fallbackReason: 'clone_failed' });
    manual.sandbox.clearFailures();
    const before = clonesRequested(manual);

    const retried = await act(manual, workflowId, 'retry-clone');
    expect(retried.status).toBe(200);
    expect(retried.json.status.operatorActions.map((a: { action: string }) => a.action)).toEqual(['retryClone']);
    const cloned = await eventually(() => manual.env.client.workflow.getHandle(workflowId).query<CallStatus>('status'), (s) => s.voice.source === 'clone', 10_000);
    expect(cloned.phase).toBe('awaiting_operator');
    expect(clonesRequested(manual) - before).toBe(1);

    expect((await act(manual, workflowId, 'hand-off-now')).status).toBe(200);
    const outcome = await callResult(manual, workflowId);
    expect(outcome.voice).toEqual({ source: 'clone', voiceId: cloned.voice.voiceId, fallbackReason: null });
    expect(firstHeard(heard(call, [manual.config.greeting.voiceId, cloned.voice.voiceId!]), cloned.voice.voiceId!)).not.toBeNull();
  });
});

describe('actions that cannot apply: 409 action_refused with the reason', () => {
  test('already handed off; a withheld caller has no voice to clone; a closed call; unknown call 404; no token 401', async () => {
    const caller = uniqueCaller();
    await cacheCloneFor(stack, caller);
    // Long enough that the call is surely still running when the refused actions arrive.
    stack.sandbox.configure({ callDurationMs: 8_000 });
    const talking = stack.dial(caller);
    await reachPhase(stack, talking.workflowId, 'in_agent_call');
    const late = await act(stack, talking.workflowId, 'hand-off-now');
    expect(late).toMatchObject({ status: 409, json: { error: { code: 'action_refused', message: expect.stringMatching(/already handed off/) } } });
    expect((await act(stack, talking.workflowId, 'use-default-voice')).json.error.code).toBe('action_refused');

    const withheld = manual.dial('anonymous');
    await reachPhase(manual, withheld.workflowId, 'awaiting_operator');
    const retry = await act(manual, withheld.workflowId, 'retry-clone');
    expect(retry).toMatchObject({ status: 409, json: { error: { code: 'action_refused', message: expect.stringMatching(/withheld/) } } });
    withheld.call.hangUp();

    talking.call.hangUp();
    await callResult(stack, talking.workflowId);
    expect(await act(stack, talking.workflowId, 'retry-clone')).toMatchObject({ status: 409, json: { error: { code: 'call_closed' } } });
    expect((await act(stack, `call-${stack.pbxName}-404404`, 'use-default-voice')).status).toBe(404);
    expect((await act(stack, talking.workflowId, 'cancel', 'wrong-token')).status).toBe(401);
    expect((await fetch(`${stack.apiUrl}/calls/${encodeURIComponent(talking.workflowId)}`)).status).toBe(401);
  });
});

describe('cancel during the hold', () => {
  test('with FALLBACK_DESTINATION: the cancel message in the greeting voice, then the human; call_log cancelled, clone job left', async () => {
    const { call, workflowId, caller } = await cloningCall(stack);
    const cancelledAt = Date.now() - call.startedAt;
    const res = await act(stack, workflowId, 'cancel');
    expect(res.status).toBe(202);
    expect(res.json.status.phase).toBe('cancelled');
    expect(await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } })).toMatchObject({ status: 'cancelled' });
    const clone = await stack.env.client.workflow.getHandle(voiceCloneWorkflowId(caller)).query(cloneStatusQuery);
    expect(clone.subscribers).not.toContain(workflowId);

    expect(call.connectedTo).toEqual({ kind: 'local', destination: TEST_FALLBACK_QUEUE });
    const humanAt = await eventually(() => firstHeard(heard(call, [HUMAN]), HUMAN), (at) => at !== null, 5_000);
    const greetingVoice = stack.config.greeting.voiceId;
    const segments = heard(call, [greetingVoice, HUMAN]);
    expect({ humanAt, timeline: describeHeard(segments) }).toEqual({ humanAt: expect.any(Number), timeline: describeHeard(segments) });
    expect(voiceMs(segments, greetingVoice, cancelledAt, humanAt!)).toBeGreaterThan(CANCEL_MESSAGE_HEARD_MS);
    expect([...stack.sandbox.conversations.values()].some((c) => c.userId === workflowId)).toBe(false);
    await maybeRecordHistory(stack, workflowId, 'call-cancelled-during-hold');
  });

  test('without one: the cancel message, then the call is dropped; call_log cancelled', async () => {
    const caller = uniqueCaller();
    await manual.registerVoiceSample(caller);
    manual.sandbox.configure({ cloneLatencyMs: 6_000 });
    const { call, workflowId } = manual.dial(caller);
    await reachPhase(manual, workflowId, 'cloning');
    const cancelledAt = Date.now() - call.startedAt;
    expect((await act(manual, workflowId, 'cancel')).json.status.phase).toBe('cancelled');
    await call.waitForState('ended', 5_000);
    expect(call.endReason).toBe('dropped');
    const segments = heard(call, [manual.config.greeting.voiceId]);
    expect(voiceMs(segments, manual.config.greeting.voiceId, cancelledAt)).toBeGreaterThan(CANCEL_MESSAGE_HEARD_MS);
    expect(await manual.db.prisma.callLog.findUniqueOrThrow({ where: { callId: workflowId } })).toMatchObject({ status: 'cancelled' });
  });
});

test('AUTO_TRANSITION_ENABLED=false: the caller holds with music in awaiting_operator until hand-off-now, then hears the agent', async () => {
  const caller = uniqueCaller();
  const voiceId = await cacheCloneFor(manual, caller);
  const { call, workflowId } = manual.dial(caller);
  await reachPhase(manual, workflowId, 'awaiting_operator');
  await new Promise((r) => setTimeout(r, 1_500));
  expect((await manual.env.client.workflow.getHandle(workflowId).query<CallStatus>('status')).phase).toBe('awaiting_operator');
  const before = heard(call, [manual.config.greeting.voiceId, voiceId]);
  expect(firstHeard(before, voiceId)).toBeNull();
  expect(before.at(-1)?.label).toBe('audio');

  const res = await act(manual, workflowId, 'hand-off-now');
  expect(res.status).toBe(200);
  expect((await callResult(manual, workflowId)).voice).toEqual({ source: 'cache', voiceId, fallbackReason: null });
  expect(firstHeard(heard(call, [manual.config.greeting.voiceId, voiceId]), voiceId)).not.toBeNull();
});

test('the Temporal CLI sends the same actions: `workflow update execute --name useDefaultVoice`, `workflow cancel`', async () => {
  const cli = resolveTemporalBinary('temporal');
  if (cli.type !== 'existing-path') throw new Error('the Temporal CLI is needed for this test (npm run temporal:install)');
  // Not execFileSync: the worker that answers the update runs in this process.
  const temporal = (...args: string[]) => promisify(execFile)(cli.path, [...args, '--address', stack.env.address, '--namespace', 'default'], { encoding: 'utf8' });
  const first = await cloningCall(stack);
  await temporal('workflow', 'update', 'execute', '--workflow-id', first.workflowId, '--name', 'useDefaultVoice');
  expect((await callResult(stack, first.workflowId)).voice.fallbackReason).toBe('operator_requested');

  const second = await cloningCall(stack);
  await temporal('workflow', 'cancel', '--workflow-id', second.workflowId);
  await expect(callResult(stack, second.workflowId)).rejects.toThrow();
  expect(await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: second.workflowId } })).toMatchObject({ status: 'cancelled' });
});

test('CORS: a browser on a configured origin may call the operator API; other origins get no CORS headers', async () => {
  const preflight = await fetch(`${stack.apiUrl}/calls/call-acme.3cx.eu-1/cancel`, {
    method: 'OPTIONS',
    headers: { origin: 'https://ops.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe('https://ops.example');
  expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  const foreign = await fetch(`${stack.apiUrl}/api/clone-status/%2B4915112345678`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${TOKEN}` } });
  expect(foreign.status).toBe(200);
  expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
});
