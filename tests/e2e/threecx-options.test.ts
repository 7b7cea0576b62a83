import { transferNowSignal } from '../../src/contracts/messages';
import { agentCallRequests, callResult, callStatus, eventually } from '../support/calls';
import { startTestStack, type TestStack } from '../support/stack';
import { incomingCall, post3cx } from '../support/threecx';

// Settings that change what the webhook and the call do: an IP allow-list behind a trusted proxy,
// and manual hand-over (AUTO_TRANSITION_ENABLED=false).
jest.setTimeout(60_000);

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    env: { THREECX_TRUSTED_IPS: '10.0.0.0/8,192.0.2.7', TRUSTED_PROXIES: '127.0.0.1', AUTO_TRANSITION_ENABLED: 'false', CLONE_MAX_WAIT_SECONDS: '2' },
  });
});
afterAll(async () => {
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
});

describe('AUTO_TRANSITION_ENABLED=false', () => {
  test('the call waits for an operator, then transfers on transferNow; CallStateChanged is recorded', async () => {
    const xff = { 'x-forwarded-for': '10.0.0.1' };
    const body = incomingCall();
    const res = await post3cx(stack.apiUrl, body, { headers: xff });
    const workflowId = res.json.workflow_id as string;
    const waiting = await eventually(() => callStatus(stack, workflowId), (s) => s.phase === 'awaiting_operator');
    expect(waiting.phase).toBe('awaiting_operator');
    expect(waiting.voice).toMatchObject({ source: 'default', fallbackReason: 'no_sample' });
    expect(agentCallRequests(stack, workflowId, 'agent')).toHaveLength(0);

    const changed = await post3cx(stack.apiUrl, { ...body, event_type: 'CallStateChanged', state: 'Held' }, { headers: xff });
    expect(changed.status).toBe(202);
    expect((await eventually(() => callStatus(stack, workflowId), (s) => s.threecxState !== null)).threecxState).toMatchObject({ state: 'Held' });

    await stack.env.client.workflow.getHandle(workflowId).signal(transferNowSignal);
    const outcome = await callResult(stack, workflowId);
    expect(outcome.phase).toBe('completed');
    const [agent] = agentCallRequests(stack, workflowId, 'agent');
    expect((agent!.json as any).conversation_initiation_client_data.dynamic_variables.auto_transitioned).toBe(false);
  });

  test('signals for an unknown call → 404', async () => {
    const res = await post3cx(stack.apiUrl, incomingCall({ event_type: 'CallEnded' }), { headers: { 'x-forwarded-for': '10.0.0.1' } });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('unknown_call');
  });
});

