import { callWorkflowId } from '../../src/contracts/call';
import { uniqueCaller } from '../support/live-call';
import { SHORT_GREETING, startTestStack, type TestStack } from '../support/stack';
import { incomingCall, incomingCallFor, nextCallid, post3cx } from '../support/threecx';

// The 3CX webhook as an early event source (a Call Flow Designer app, an add-on): it starts the
// call's workflow, the gateway joins it when the call reaches the route point; bad input changes nothing.
jest.setTimeout(30_000);

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ env: { GREETING_MESSAGE: SHORT_GREETING, POST_CALL_GRACE_SECONDS: '1' }, sandbox: { callDurationMs: 1_500 } });
});
afterAll(async () => {
  await stack?.stop();
});

async function countWorkflows(threecxCallId: string): Promise<number> {
  const { count } = await stack.env.client.workflow.count(`ThreeCxCallId = '${threecxCallId}'`);
  return count;
}

async function eventually<T>(fn: () => Promise<T>, accept: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('POST /webhook/3cx IncomingCall → one call workflow', () => {
  test('starts callWorkflow with id call-<pbx>-<call_id>, records the call, and answers 202', async () => {
    const body = incomingCall({ caller_id: '0151 12345678' });
    const res = await post3cx(stack.apiUrl, body);
    const workflowId = callWorkflowId('acme.3cx.eu', body.call_id as string);
    expect(res.status).toBe(202);
    expect(res.json).toEqual({
      status: 'accepted',
      workflow_id: workflowId,
      call_id: body.call_id,
      status_url: `/calls/${workflowId}`,
      duplicate: false,
    });

    const row = await eventually(
      () => stack.db.prisma.callLog.findUnique({ where: { callId: workflowId } }),
      (r) => r !== null,
    );
    expect(row).toMatchObject({ callId: workflowId, threecxCallId: body.call_id, callerId: '+4915112345678', status: 'initiated' });
    expect(row!.metadata).toMatchObject({ pbx: 'acme.3cx.eu', caller_raw: '0151 12345678', caller_kind: 'external' });
  });

  test('a re-delivered webhook answers with the same workflow id and starts nothing new', async () => {
    const body = incomingCall();
    const first = await post3cx(stack.apiUrl, body);
    const again = await post3cx(stack.apiUrl, body);
    expect(again.status).toBe(202);
    expect(again.json.workflow_id).toBe(first.json.workflow_id);
    expect(first.json.duplicate).toBe(false);
    expect(again.json.duplicate).toBe(true);
    // Visibility is eventually consistent: wait until the one execution is listed, then check it is alone.
    expect(await eventually(() => countWorkflows(body.call_id as string), (n) => n >= 1)).toBe(1);
    const rows = () => stack.db.prisma.callLog.count({ where: { threecxCallId: body.call_id as string } });
    expect(await eventually(rows, (n) => n >= 1)).toBe(1);
  });

  test('the same 3CX call id on two PBXes is two calls', async () => {
    const a = incomingCall({ pbx: 'one.3cx.eu', call_id: '77' });
    const b = incomingCall({ pbx: 'two.3cx.eu', call_id: '77' });
    const [ra, rb] = await Promise.all([post3cx(stack.apiUrl, a), post3cx(stack.apiUrl, b)]);
    expect(ra.json.workflow_id).toBe('call-one.3cx.eu-77');
    expect(rb.json.workflow_id).toBe('call-two.3cx.eu-77');
    expect(rb.json.duplicate).toBe(false);
  });

  test('the call reaches the route point: the gateway joins the same workflow; GET /calls/:callId answers from it (status query)', async () => {
    const caller = uniqueCaller();
    const { json } = await post3cx(stack.apiUrl, incomingCallFor(stack, { callid: nextCallid(stack), callerNumber: caller }));
    const { call, workflowId } = stack.dial(caller);
    expect(json.workflow_id).toBe(workflowId);
    const status = await eventually(
      async () => (await fetch(`${stack.apiUrl}${json.status_url as string}`)).json() as Promise<any>,
      (s) => s.status?.participantId === call.participantId,
    );
    expect(status.source).toBe('workflow');
    expect(status.status).toMatchObject({ callId: workflowId, threecxCallId: String(call.callid), source: 'webhook', caller: { raw: caller, e164: caller, kind: 'external' } });
    // The handler really is the workflow's: once the call is over, the endpoint and a direct query agree.
    const handle = stack.env.client.workflow.getHandle(workflowId);
    expect((await handle.result()).phase).toBe('completed');
    const final = (await (await fetch(`${stack.apiUrl}${json.status_url as string}`)).json()) as any;
    expect(final.status.phase).toBe('completed');
    expect(await handle.query('status')).toEqual(final.status);
  });

  test('CallEnded before the call reached the route point: the workflow stops waiting for it, call_log abandoned with the duration', async () => {
    const body = incomingCall();
    const { json } = await post3cx(stack.apiUrl, body);
    await eventually(() => stack.db.prisma.callLog.findUnique({ where: { callId: json.workflow_id } }), (r) => r !== null);
    const ended = await post3cx(stack.apiUrl, { ...body, event_type: 'CallEnded', duration: 42 });
    expect(ended.status).toBe(202);
    const outcome = await stack.env.client.workflow.getHandle(json.workflow_id).result();
    expect(outcome.phase).toBe('abandoned');
    const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: json.workflow_id } });
    expect(row).toMatchObject({ status: 'abandoned', durationSeconds: 42 });
    expect(row.callEndedAt).not.toBeNull();
  });

  test('cancelling a call runs its cleanup: call log marked cancelled', async () => {
    const { json } = await post3cx(stack.apiUrl, incomingCall());
    const handle = stack.env.client.workflow.getHandle(json.workflow_id);
    await eventually(() => stack.db.prisma.callLog.findUnique({ where: { callId: json.workflow_id } }), (r) => r !== null);
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    const row = await stack.db.prisma.callLog.findUniqueOrThrow({ where: { callId: json.workflow_id } });
    expect(row.status).toBe('cancelled');
  });

  test('unknown call → 404; malformed call id → 400', async () => {
    const missing = await fetch(`${stack.apiUrl}/calls/call-acme.3cx.eu-404404`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as any).error.code).toBe('unknown_call');
    const bad = await fetch(`${stack.apiUrl}/calls/${encodeURIComponent('not a call')}`);
    expect(bad.status).toBe(400);
  });
});

describe('bad input gets a 4xx with a reason and changes nothing', () => {
  async function expectNothingStarted(callId: string): Promise<void> {
    await new Promise((r) => setTimeout(r, 300));
    expect(await countWorkflows(callId)).toBe(0);
    expect(await stack.db.prisma.callLog.count({ where: { threecxCallId: callId } })).toBe(0);
  }

  test('invalid JSON → 400 invalid_json', async () => {
    const res = await post3cx(stack.apiUrl, null, { raw: '{"event_type":"IncomingCall","call_id":"9001"' });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_json');
    await expectNothingStarted('9001');
  });

  test.each([
    ['event_type', { event_type: 'Ringing' }],
    ['timestamp', { timestamp: 'yesterday' }],
    ['call_id', { call_id: '' }],
    ['direction', { direction: 'sideways' }],
    ['pbx', { pbx: 'bad pbx name!' }],
  ])('a body whose %s fails the schema → 400 naming it', async (field, change) => {
    const body = incomingCall({ call_id: `9${Math.floor(Math.random() * 1e6)}`, ...change });
    const res = await post3cx(stack.apiUrl, body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
    expect(res.json.error.message).toContain(field);
    expect(res.json.error.details.map((d: { field: string }) => d.field)).toContain(field);
    if (field !== 'call_id') await expectNothingStarted(body.call_id as string);
  });

  test('missing or wrong signature → 401, nothing started', async () => {
    const body = incomingCall();
    const unsigned = await post3cx(stack.apiUrl, body, { sign: false });
    expect(unsigned.status).toBe(401);
    const forged = await post3cx(stack.apiUrl, body, { sign: false, headers: { 'x-3cx-signature': 'sha256=' + 'ab'.repeat(32) } });
    expect(forged.status).toBe(401);
    expect(forged.json.error.code).toBe('invalid_signature');
    await expectNothingStarted(body.call_id as string);
  });

  test('a body over the size limit → 413', async () => {
    const body = incomingCall({ padding: 'x'.repeat(stack.config.http.maxWebhookBodyBytes + 1) });
    const res = await post3cx(stack.apiUrl, body);
    expect(res.status).toBe(413);
    await expectNothingStarted(body.call_id as string);
  });
});

describe('when no worker answers', () => {
  test('GET /calls/:callId falls back to describe + call_log and says so', async () => {
    const body = incomingCall();
    const { json } = await post3cx(stack.apiUrl, body);
    await eventually(() => stack.db.prisma.callLog.findUnique({ where: { callId: json.workflow_id } }), (r) => r !== null);
    await stack.stopWorker();
    try {
      const res = await fetch(`${stack.apiUrl}/calls/${json.workflow_id}`);
      const payload = (await res.json()) as any;
      expect(res.status).toBe(200);
      expect(payload.source).toBe('history');
      expect(payload.note).toMatch(/No worker answered/);
      expect(payload.workflow.status).toBe('RUNNING');
      expect(payload.call_log.callId).toBe(json.workflow_id);
    } finally {
      await stack.startWorker();
    }
  }, 30_000);
});
