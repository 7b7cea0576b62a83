import { cacheCloneFor, callResult, callStatus, eventually, firstHeard, heard, uniqueCaller } from '../support/live-call';
import { SHORT_GREETING, startTestStack, type TestStack } from '../support/stack';
import { incomingCall, post3cx } from '../support/threecx';

// Settings that change how the service meets 3CX: an IP allow-list for the webhook behind a
// trusted proxy, and the UNCONFIRMED readings of the Call Control API (routeto replying at once
// rather than after the answer, finalstatus as a string).
jest.setTimeout(60_000);

/** The shortest allowed: with replies at once, a failed route is only noticed when its timeout passes. */
const ROUTE_TIMEOUT_SECONDS = 5;

let stack: TestStack;
/** routeto answers at once (THREECX_ROUTETO_REPLY=immediately) and finalstatus comes as a string. */
let otherReading: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { THREECX_TRUSTED_IPS: '10.0.0.0/8,192.0.2.7', TRUSTED_PROXIES: '127.0.0.1' }, gateway: false });
  otherReading = await startTestStack({
    env: { HANDOFF_MODE: 'sip', THREECX_ROUTETO_REPLY: 'immediately', SIP_ROUTE_TIMEOUT_SECONDS: String(ROUTE_TIMEOUT_SECONDS), GREETING_MESSAGE: SHORT_GREETING, POST_CALL_GRACE_SECONDS: '1' },
    threecx: { routeReplies: 'immediately', finalStatusStyle: 'string' },
    sandbox: { callDurationMs: 2_000 },
    temporal: stack.env,
    sipRingMs: 500,
  });
});
afterAll(async () => {
  await otherReading?.stop();
  await stack?.stop();
});

describe('THREECX_TRUSTED_IPS', () => {
  test('a client outside the allow-list gets 403 and starts nothing', async () => {
    const body = incomingCall();
    const direct = await post3cx(stack.apiUrl, body);
    expect(direct.status).toBe(403);
    expect(direct.json.error.code).toBe('forbidden_ip');
    const spoofedPast = await post3cx(stack.apiUrl, body, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(spoofedPast.status).toBe(403);
    const { count } = await stack.env.client.workflow.count(`ThreeCxCallId = '${body.call_id as string}'`);
    expect(count).toBe(0);
  });

  test('X-Forwarded-For from the trusted proxy names the client that is checked', async () => {
    const res = await post3cx(stack.apiUrl, incomingCall(), { headers: { 'x-forwarded-for': '10.20.30.40' } });
    expect(res.status).toBe(202);
    const single = await post3cx(stack.apiUrl, incomingCall(), { headers: { 'x-forwarded-for': '192.0.2.7' } });
    expect(single.status).toBe(202);
  });

  test('CallStateChanged is recorded in the call’s status; events for an unknown call → 404', async () => {
    const xff = { 'x-forwarded-for': '10.0.0.1' };
    const body = incomingCall();
    const { json } = await post3cx(stack.apiUrl, body, { headers: xff });
    const changed = await post3cx(stack.apiUrl, { ...body, event_type: 'CallStateChanged', state: 'Held' }, { headers: xff });
    expect(changed.status).toBe(202);
    const status = await eventually(() => callStatus(stack, json.workflow_id as string), (s) => s.threecxState !== null);
    expect(status.threecxState).toMatchObject({ state: 'Held' });

    const unknown = await post3cx(stack.apiUrl, incomingCall({ event_type: 'CallEnded' }), { headers: xff });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('unknown_call');
  });
});

describe('routeto replies at once, finalstatus as a string (UNCONFIRMED A.2: the other readings)', () => {
  test('SIP hand-off: the answer shows as our leg leaving; the caller hears the agent in the cached voice', async () => {
    const caller = uniqueCaller();
    const voiceId = await cacheCloneFor(otherReading, caller);
    const { call, workflowId } = otherReading.dial(caller);
    const outcome = await callResult(otherReading, workflowId);
    expect(outcome).toMatchObject({ phase: 'completed', voice: { source: 'cache', voiceId } });
    expect(call.routeAttempts.map((a) => a.outcome)).toEqual(['answered']);
    expect(firstHeard(heard(call, [otherReading.config.greeting.voiceId, voiceId]), voiceId)).not.toBeNull();
  });

  test('a failed route shows only as our leg staying past the route timeout: then the next number answers', async () => {
    otherReading.pbx.fault('route-failure', { times: 1 });
    const caller = uniqueCaller();
    const voiceId = await cacheCloneFor(otherReading, caller);
    const { call, workflowId } = otherReading.dial(caller);
    const outcome = await callResult(otherReading, workflowId);
    expect(outcome).toMatchObject({ phase: 'completed', voice: { source: 'cache', voiceId } });
    const [failed, answered] = call.routeAttempts;
    expect([failed?.outcome, answered?.outcome]).toEqual(['failed', 'answered']);
    expect(answered!.destination).not.toBe(failed!.destination);
    expect(answered!.at - failed!.at).toBeGreaterThanOrEqual(ROUTE_TIMEOUT_SECONDS * 1000);
    expect(firstHeard(heard(call, [otherReading.config.greeting.voiceId, voiceId]), voiceId)).not.toBeNull();
  });
});
