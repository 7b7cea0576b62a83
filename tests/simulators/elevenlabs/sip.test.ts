import { classifyFrames, synthesizeSpeech } from '../../../simulators/audio';
import { type ElevenLabsSandbox, RACHEL_VOICE_ID, type SipCall, type SipInviteResult, startElevenLabsSandbox } from '../../../simulators/elevenlabs';
import { KEY, type JsonReceiver, sleep, startJsonReceiver } from './helpers';

const CLONE = 'CloneVoice0000000002';
const CALLER = 'CallerVoice000000002';
const NUMBER = '+4930123450001';

function asCall(result: SipInviteResult): SipCall {
  if ('rejected' in result) throw new Error(`call rejected: ${result.rejected}`);
  return result;
}

function collect(call: SipCall): Buffer[] {
  const chunks: Buffer[] = [];
  call.agentAudio.on('data', (chunk: Buffer) => chunks.push(chunk));
  return chunks;
}

function voiceOf(pcm8k: Buffer): string | null {
  const voices = classifyFrames(pcm8k, [CLONE, RACHEL_VOICE_ID, CALLER]).flatMap((l) => (typeof l === 'object' ? [l.voice] : []));
  return voices.length > 0 && voices.every((v) => v === voices[0]) ? voices[0]! : null;
}

describe('ElevenLabs sandbox: inbound SIP calls and the conversation-initiation webhook', () => {
  let sandbox: ElevenLabsSandbox;
  let initHook: JsonReceiver;
  let postCall: JsonReceiver;

  beforeAll(async () => {
    initHook = await startJsonReceiver();
    postCall = await startJsonReceiver();
    sandbox = await startElevenLabsSandbox({
      apiKey: KEY,
      acceptAnyPremadeVoiceId: true,
      agentFirstAudioLatencyMs: 50,
      analysisDurationMs: 50,
      sipNumbers: { [NUMBER]: { agentId: 'agent_sandbox', phoneNumberId: 'phnum_pool_1' } },
      conversationInitWebhook: { url: initHook.url, headers: { authorization: 'Bearer init-secret' } },
      initWebhookTimeoutMs: 400,
      webhookUrl: postCall.url,
      webhookSecret: 'whsec_sip',
    });
  });
  afterEach(() => {
    sandbox.reset();
    sandbox.configure({ initWebhookFailure: 'start-default' });
    initHook.received.length = 0;
    initHook.answer = () => ({ status: 200, body: {} });
  });
  afterAll(async () => {
    await sandbox.close();
    await initHook.close();
    await postCall.close();
  });

  it('asks our init webhook, speaks in the voice it returns, answers the caller and reports the SIP leg after hang-up', async () => {
    initHook.answer = () => ({
      status: 200,
      body: {
        type: 'conversation_initiation_client_data',
        dynamic_variables: { call_ref: '3cx-pbx1-77', caller_name: 'Ana' },
        conversation_config_override: { tts: { voice_id: CLONE }, agent: { first_message: 'Hi {{caller_name}}.' } },
        user_id: '3cx-pbx1-77',
      },
      delayMs: 50,
    });
    const call = asCall(await sandbox.sip.invite({ toNumber: NUMBER, callerId: '+491701234567', callSid: 'sip-call-1' }));
    const heard = collect(call);
    const request = initHook.received[0]!;
    expect(JSON.parse(request.rawBody)).toEqual({ caller_id: '+491701234567', agent_id: 'agent_sandbox', called_number: NUMBER, call_sid: 'sip-call-1', conversation_id: call.conversationId });
    expect(request.headers.authorization).toBe('Bearer init-secret');
    expect(request.headers['elevenlabs-signature']).toBeUndefined();
    expect(sandbox.initWebhookCalls[0]).toMatchObject({ outcome: 'used', status: 200, latencyMs: expect.any(Number) as number });
    expect(sandbox.initWebhookCalls[0]!.latencyMs).toBeGreaterThanOrEqual(45);

    await sleep(600);
    // "Hi Ana." = 420 ms of 8 kHz PCM in 20 ms frames, in real time.
    expect(Buffer.concat(heard)).toHaveLength(420 * 16);
    expect(heard[0]).toHaveLength(320);
    expect(voiceOf(Buffer.concat(heard))).toBe(CLONE);

    heard.length = 0;
    const speech = Buffer.concat([synthesizeSpeech(CALLER, 'I need help', 8_000), Buffer.alloc(600 * 16)]);
    for (let offset = 0; offset < speech.length; offset += 1_600) call.onCallerAudio(speech.subarray(offset, offset + 1_600));
    await sleep(1_200);
    expect(voiceOf(Buffer.concat(heard))).toBe(CLONE);

    call.hangUp();
    await call.ended;
    await sandbox.waitForWebhookDelivery((d) => d.conversationId === call.conversationId && d.delivered, 2_000);
    const body = JSON.parse(postCall.received.at(-1)!.rawBody) as { data: Record<string, unknown> };
    expect(body.data).toMatchObject({
      conversation_id: call.conversationId,
      user_id: '3cx-pbx1-77',
      metadata: {
        phone_call: { type: 'sip_trunking', direction: 'inbound', phone_number_id: 'phnum_pool_1', agent_number: NUMBER, external_number: '+491701234567', call_sid: 'sip-call-1' },
        conversation_initiation_source: 'sip_trunk',
        termination_reason: 'Call ended by remote party',
      },
      conversation_initiation_client_data: { dynamic_variables: { call_ref: '3cx-pbx1-77', system__caller_id: '+491701234567', system__called_number: NUMBER } },
    });
    expect(sandbox.conversations.get(call.conversationId)?.transcript.map((t) => t.role)).toEqual(['agent', 'user', 'agent']);
  });

  it('rejects a number it does not have, like a SIP 404', async () => {
    expect(await sandbox.sip.invite({ toNumber: '+4930999', callerId: '+49170' })).toEqual({ rejected: 'SIP 404 Not Found' });
    expect(initHook.received).toHaveLength(0);
  });

  it.each([
    ['a 500', () => ({ status: 500, body: { error: 'boom' } }), /answered 500/],
    ['no answer in time', () => ({ status: 200, body: {}, delayMs: 1_000 }), /no answer within 400 ms/],
    ['an answer that is not JSON', () => ({ status: 200, body: 'not json' }), /not JSON/],
  ])('an init webhook failing with %s starts the call without overrides (default voice)', async (_name, answer, reason) => {
    initHook.answer = answer;
    const call = asCall(await sandbox.sip.invite({ toNumber: NUMBER, callerId: '+49170' }));
    const heard = collect(call);
    const record = sandbox.initWebhookCalls[0]!;
    expect(record.outcome).toBe('failed-started-default');
    expect(record.failureReason).toMatch(reason);
    expect(sandbox.conversations.get(call.conversationId)).toMatchObject({ voiceId: RACHEL_VOICE_ID, clientData: null });
    await sleep(300);
    expect(voiceOf(Buffer.concat(heard))).toBe(RACHEL_VOICE_ID);
    call.hangUp();
  });

  it('with initWebhookFailure "reject" a failing webhook rejects the call; a refused override always does', async () => {
    sandbox.configure({ initWebhookFailure: 'reject' });
    initHook.answer = () => ({ status: 503 });
    expect(await sandbox.sip.invite({ toNumber: NUMBER, callerId: '+49170' })).toEqual({ rejected: 'conversation initiation webhook failed: webhook answered 503' });
    expect(sandbox.initWebhookCalls[0]?.outcome).toBe('failed-rejected');

    sandbox.configureAgent('agent_sandbox', { overrides: { voiceId: false } });
    initHook.answer = () => ({ status: 200, body: { conversation_config_override: { tts: { voice_id: CLONE } } } });
    expect(await sandbox.sip.invite({ toNumber: NUMBER, callerId: '+49170' })).toEqual({ rejected: "Override for field 'voice_id' is not allowed by config" });
    expect(sandbox.initWebhookCalls[1]?.outcome).toBe('override-refused');
  });

  it('an agent without the webhook toggle never calls it; the agent ends a call after callDurationMs', async () => {
    sandbox.configureAgent('agent_sandbox', { enableInitiationWebhook: false });
    sandbox.configure({ callDurationMs: 300 });
    const call = asCall(await sandbox.sip.invite({ toNumber: NUMBER, callerId: '+49170' }));
    const ended = new Promise((resolve) => call.agentAudio.once('end', resolve));
    await call.ended;
    await ended;
    expect(initHook.received).toHaveLength(0);
    expect(sandbox.conversations.get(call.conversationId)?.terminationReason).toBe('Call ended by the agent');
    sandbox.configure({ callDurationMs: 20_000 });
  });

  it('conversation faults apply to SIP too: refused INVITE, dropped call', async () => {
    sandbox.setConversationFault('sip', { kind: 'refuse', status: 486, times: 1 });
    expect(await sandbox.sip.invite({ toNumber: NUMBER, callerId: '+49170' })).toEqual({ rejected: 'SIP 486 (injected)' });
    sandbox.setConversationFault('sip', { kind: 'drop', afterMs: 100, times: 1 });
    const call = asCall(await sandbox.sip.invite({ toNumber: NUMBER, callerId: '+49170' }));
    await call.ended;
    expect(sandbox.conversations.get(call.conversationId)).toMatchObject({ failed: true, error: { code: 1006 } });
  });
});
