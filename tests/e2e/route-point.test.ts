import type { CallOutcome } from '../../src/contracts/call';
import { speechDurationMs, voiceMs } from '../../simulators/audio';
import type { SimulatedCall } from '../../simulators/threecx';
import { startTestStack, SHORT_GREETING, TEST_DEFAULT_VOICE, type TestStack } from '../support/stack';
import { callResult, deadAir, describeHeard, eventually, firstHeard, heard, uniqueCaller } from '../support/live-call';
import { incomingCallFor, nextCallid, post3cx } from '../support/threecx';

// How the gateway treats its route point: every event source for one call (repeated Upserts, a
// 3CX webhook before or after the call arrives) makes one workflow and one greeting; both readings
// of how a route-point call is answered; a dropped event socket and an expired token mid-hold
// leave the caller with music and the call completes; one live token at a time.
jest.setTimeout(60_000);

/** Repeated Upserts for every change, as 3CX may send them; calls connect by themselves. */
let stack: TestStack;
/** The other reading (A.5): a route-point call rings until the app answers it. */
let ringing: TestStack;
/** A call a webhook announced that never reaches the route point: the hold gives up after HOLD_WAIT_SECONDS (30 s). */
let neverArrives: Promise<CallOutcome>;
let neverArrivesId: string;

beforeAll(async () => {
  const env = { GREETING_MESSAGE: SHORT_GREETING, POST_CALL_GRACE_SECONDS: '1', CLONE_MAX_WAIT_SECONDS: '10' };
  const sandbox = { callDurationMs: 2_000 };
  stack = await startTestStack({ env, sandbox, threecx: { duplicateUpserts: true } });
  ringing = await startTestStack({ env, sandbox, threecx: { answerMode: 'ringing' }, temporal: stack.env });
  // Runs alongside the other tests, so its 30 s wait costs the file nothing.
  const announced = await post3cx(stack.apiUrl, incomingCallFor(stack, { callid: 999_001, callerNumber: uniqueCaller() }));
  neverArrivesId = announced.json.workflow_id as string;
  neverArrives = callResult(stack, neverArrivesId);
  neverArrives.catch(() => undefined);
});
afterAll(async () => {
  await ringing?.stop();
  await stack?.stop();
});
afterEach(() => {
  stack.pbx.clearFaults();
  stack.sandbox.configure({ cloneLatencyMs: { min: 50, max: 100 } });
});

/** The greeting was heard exactly once: as much greeting voice as one greeting holds, before anything else the call hears. */
function expectOneGreeting(s: TestStack, call: SimulatedCall): void {
  const greetingVoice = s.config.greeting.voiceId;
  const segments = heard(call, [greetingVoice, TEST_DEFAULT_VOICE]);
  const timeline = describeHeard(segments);
  const greeting = voiceMs(segments, greetingVoice);
  expect({ greeting, timeline }).toEqual({ greeting: expect.any(Number), timeline });
  expect(greeting).toBeGreaterThan(speechDurationMs(SHORT_GREETING) - 200);
  expect(greeting).toBeLessThan(speechDurationMs(SHORT_GREETING) + 200);
  expect(firstHeard(segments, TEST_DEFAULT_VOICE)).toBeGreaterThan(firstHeard(segments, greetingVoice)!);
}

async function executions(s: TestStack, workflowId: string): Promise<number> {
  const { count } = await s.env.client.workflow.count(`WorkflowId = '${workflowId}'`);
  return count;
}

describe('one call, one workflow, one greeting', () => {
  test('repeated Upserts and a 3CX webhook that arrives first', async () => {
    const caller = uniqueCaller();
    const webhook = await post3cx(stack.apiUrl, incomingCallFor(stack, { callid: nextCallid(stack), callerNumber: caller }));
    expect(webhook).toMatchObject({ status: 202, json: { duplicate: false } });
    const { call, workflowId } = stack.dial(caller);
    expect(webhook.json.workflow_id).toBe(workflowId);

    const outcome = await callResult(stack, workflowId);
    expect(outcome.phase).toBe('completed');
    expectOneGreeting(stack, call);
    const status = await stack.env.client.workflow.getHandle(workflowId).query<{ source: string; participantId: number }>('status');
    expect(status).toMatchObject({ source: 'webhook', participantId: call.participantId });
    expect(await eventually(() => executions(stack, workflowId), (n) => n >= 1)).toBe(1);
    expect(stack.pbx.events.filter((e) => e.eventType === 0 && e.entity.endsWith(`/${call.participantId}`)).length).toBeGreaterThan(1);
  });

  test('repeated Upserts and a 3CX webhook that arrives while the caller already hears the greeting', async () => {
    const { call, workflowId } = stack.dial(uniqueCaller());
    await eventually(() => firstHeard(heard(call, [stack.config.greeting.voiceId]), stack.config.greeting.voiceId), (at) => at !== null, 5_000);
    const webhook = await post3cx(stack.apiUrl, incomingCallFor(stack, call));
    expect(webhook).toMatchObject({ status: 202, json: { workflow_id: workflowId, duplicate: true } });

    expect((await callResult(stack, workflowId)).phase).toBe('completed');
    expectOneGreeting(stack, call);
    expect(await eventually(() => executions(stack, workflowId), (n) => n >= 1)).toBe(1);
  });
});

describe('answering a route-point call (UNCONFIRMED A.5: both readings)', () => {
  test('the call rings: the gateway answers it, and the caller hears the greeting at once', async () => {
    const { call, workflowId } = ringing.dial(uniqueCaller());
    expect((await callResult(ringing, workflowId)).phase).toBe('completed');
    const answers = ringing.pbx.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/participants/${call.participantId}/answer`));
    expect(answers.map((r) => r.status)).toEqual([200]);
    expectOneGreeting(ringing, call);
  });

  test('the call connects by itself: no answer request is sent', async () => {
    const { call, workflowId } = stack.dial(uniqueCaller());
    expect((await callResult(stack, workflowId)).phase).toBe('completed');
    expect(stack.pbx.requests.filter((r) => r.path.endsWith(`/participants/${call.participantId}/answer`))).toEqual([]);
    expectOneGreeting(stack, call);
  });
});

describe('the 3CX connection breaks during the hold', () => {
  /** A caller whose clone takes a few seconds: the hold (music) lasts while the fault hits. */
  async function holdingCall(): Promise<{ call: SimulatedCall; workflowId: string }> {
    const caller = uniqueCaller();
    await stack.registerVoiceSample(caller);
    stack.sandbox.configure({ cloneLatencyMs: 4_000 });
    const placed = stack.dial(caller);
    await eventually(() => heard(placed.call, [stack.config.greeting.voiceId]), (s) => s.some((x) => x.label === 'audio' && x.endMs - x.startMs > 500), 10_000);
    return placed;
  }

  test('the event socket drops: the music never stops and the call completes in the cloned voice', async () => {
    const mintsBefore = stack.pbx.tokensMinted;
    const { call, workflowId } = await holdingCall();
    stack.pbx.fault('ws-drop', { refuseReconnectMs: 500 });
    const outcome = await callResult(stack, workflowId);
    expect(outcome).toMatchObject({ phase: 'completed', voice: { source: 'clone' } });
    const segments = heard(call, [stack.config.greeting.voiceId, outcome.voice.voiceId!]);
    const agentAt = firstHeard(segments, outcome.voice.voiceId!);
    expect({ agentAt, timeline: describeHeard(segments) }).toEqual({ agentAt: expect.any(Number), timeline: describeHeard(segments) });
    expect(deadAir(segments, agentAt!)).toBeLessThan(200);
    // The socket came back with the same token: none minted while streams were open.
    expect(stack.pbx.liveWsConnections()).toBe(1);
    expect(stack.pbx.tokenMints.slice(mintsBefore).filter((m) => m.openStreamsAtMint > 0)).toEqual([]);
  });

  test('the token stops working (401): a new one is minted, the music is back within 2 s, and the call completes', async () => {
    const mintsBefore = stack.pbx.tokensMinted;
    const { call, workflowId } = await holdingCall();
    stack.pbx.fault('token-expiry');
    const outcome = await callResult(stack, workflowId);
    expect(outcome).toMatchObject({ phase: 'completed', voice: { source: 'clone' } });
    const segments = heard(call, [stack.config.greeting.voiceId, outcome.voice.voiceId!]);
    const agentAt = firstHeard(segments, outcome.voice.voiceId!);
    expect({ agentAt, timeline: describeHeard(segments) }).toEqual({ agentAt: expect.any(Number), timeline: describeHeard(segments) });
    expect(deadAir(segments, agentAt!)).toBeLessThan(2_000);
    expect(stack.pbx.tokensMinted).toBeGreaterThan(mintsBefore);
    expect(stack.pbx.tokenMints.slice(mintsBefore).filter((m) => m.openStreamsAtMint > 0)).toEqual([]);
  });
});

test('a call a webhook announced that never reaches the route point: failed/not_on_route_point after the hold wait', async () => {
  const outcome = await neverArrives;
  expect(outcome).toMatchObject({ phase: 'failed', failureReason: 'not_on_route_point' });
  expect(await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: neverArrivesId } })).toMatchObject({ status: 'failed' });
}, 45_000);

test('the gateway never minted a token while streams were open', () => {
  for (const s of [stack, ringing]) expect(s.pbx.tokenMints.map((m) => m.openStreamsAtMint)).toEqual(s.pbx.tokenMints.map(() => 0));
});
