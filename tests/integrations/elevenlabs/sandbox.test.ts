import { FormData, request } from 'undici';
import { type ElevenLabsSandbox, startElevenLabsSandbox } from '../../../src/integrations/elevenlabs/sandbox';
import { makeWavSample, sleep } from './helpers';

const KEY = 'sb-key';

async function call(sandbox: ElevenLabsSandbox, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, key = KEY) {
  const headers: Record<string, string> = { 'xi-api-key': key };
  let payload: string | FormData | undefined;
  if (body instanceof FormData) payload = body;
  else if (typeof body === 'string') {
    headers['content-type'] = 'application/json';
    payload = body;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await request(`${sandbox.url}${path}`, { method, headers, body: payload });
  return { status: res.statusCode, headers: res.headers, json: (await res.body.json()) as Record<string, unknown> };
}

describe('ElevenLabs sandbox', () => {
  let sandbox: ElevenLabsSandbox;

  beforeAll(async () => {
    sandbox = await startElevenLabsSandbox({ apiKey: KEY, cloneLatencyMs: { min: 40, max: 60 }, apiLatencyMs: 1, outboundCallLatencyMs: 5 });
  });
  afterEach(() => sandbox.reset());
  afterAll(() => sandbox.close());

  it('defaults to 5–30 s clone latency, 10 voice slots and 127.0.0.1', async () => {
    const other = await startElevenLabsSandbox();
    try {
      expect(other.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await request(`${other.url}/_sandbox/state`);
      const state = (await res.body.json()) as { config: { cloneLatencyMs: unknown; voiceLimit: number } };
      expect(state.config.cloneLatencyMs).toEqual({ min: 5_000, max: 30_000 });
      expect(state.config.voiceLimit).toBe(10);
    } finally {
      await other.close();
    }
  });

  describe('validation like FastAPI', () => {
    it('voices/add without name and files → 422 with an array detail', async () => {
      const form = new FormData();
      form.append('description', 'no name, no files');
      const res = await call(sandbox, 'POST', '/v1/voices/add', form);
      expect(res.status).toBe(422);
      expect(res.json.detail).toEqual([
        { loc: ['body', 'name'], msg: 'Field required', type: 'missing' },
        { loc: ['body', 'files'], msg: 'Field required', type: 'missing' },
      ]);
    });

    it('voices/add with an empty file, a bad boolean and bad labels → 422 naming each field', async () => {
      const form = new FormData();
      form.append('name', 'x');
      form.append('files', new Blob([new Uint8Array(0)], { type: 'audio/wav' }), 'empty.wav');
      form.append('remove_background_noise', 'maybe');
      form.append('labels', '[1,2]');
      const res = await call(sandbox, 'POST', '/v1/voices/add', form);
      expect(res.status).toBe(422);
      expect((res.json.detail as { loc: unknown[] }[]).map((d) => d.loc)).toEqual([
        ['body', 'files', 0],
        ['body', 'remove_background_noise'],
        ['body', 'labels'],
      ]);
    });

    it('outbound call without agent_id / agent_phone_number_id / to_number → 422', async () => {
      const res = await call(sandbox, 'POST', '/v1/convai/sip-trunk/outbound-call', { agent_id: 5 });
      expect(res.status).toBe(422);
      expect(res.json.detail).toEqual([
        { loc: ['body', 'agent_id'], msg: 'Input should be a valid string', type: 'string_type' },
        { loc: ['body', 'agent_phone_number_id'], msg: 'Field required', type: 'missing' },
        { loc: ['body', 'to_number'], msg: 'Field required', type: 'missing' },
      ]);
    });

    it('outbound call with broken JSON or non-scalar dynamic variables → 422', async () => {
      expect((await call(sandbox, 'POST', '/v1/convai/twilio/outbound-call', '{"agent_id":')).json.detail).toEqual([
        { loc: ['body', 0], msg: 'JSON decode error', type: 'json_invalid' },
      ]);
      const res = await call(sandbox, 'POST', '/v1/convai/twilio/outbound-call', {
        agent_id: 'a',
        agent_phone_number_id: 'p',
        to_number: '+1',
        conversation_initiation_client_data: { dynamic_variables: { ok: 1, bad: { nested: true } }, conversation_config_override: { tts: { voice_id: 7 } } },
      });
      expect(res.status).toBe(422);
      expect((res.json.detail as { loc: unknown[] }[]).map((d) => d.loc.slice(-2))).toEqual([
        ['dynamic_variables', 'bad'],
        ['tts', 'voice_id'],
      ]);
      expect(sandbox.conversations.size).toBe(0);
    });

    it('unknown voice / conversation → 404 in the business-error shape; unknown path and method → FastAPI strings', async () => {
      expect(await call(sandbox, 'GET', '/v1/voices/nope')).toMatchObject({
        status: 404,
        json: { detail: { status: 'voice_not_found', message: 'A voice with the voice_id nope was not found.' } },
      });
      expect((await call(sandbox, 'DELETE', '/v1/voices/nope')).status).toBe(404);
      expect((await call(sandbox, 'GET', '/v1/convai/conversations/conv_x')).status).toBe(404);
      expect(await call(sandbox, 'GET', '/v1/voice_lab/voices')).toMatchObject({ status: 404, json: { detail: 'Not Found' } });
      expect(await call(sandbox, 'GET', '/v1/convai/twilio/outbound-call')).toMatchObject({ status: 405, json: { detail: 'Method Not Allowed' } });
      expect((await call(sandbox, 'GET', '/v1/convai/conversations?page_size=500')).status).toBe(422);
    });

    it('checks the API key before anything else', async () => {
      const res = await call(sandbox, 'GET', '/v1/user/subscription', undefined, 'wrong');
      expect(res).toMatchObject({ status: 401, json: { detail: { status: 'invalid_api_key' } } });
      expect(sandbox.requests[0]?.apiKeyValid).toBe(false);
    });
  });

  it('records each request with timestamps, so clone latency can be measured', async () => {
    const form = new FormData();
    form.append('name', 'timed');
    const sample = makeWavSample();
    form.append('files', new Blob([sample.data], { type: 'audio/wav' }), sample.fileName);
    const res = await call(sandbox, 'POST', '/v1/voices/add', form);
    expect(res.status).toBe(200);
    const record = sandbox.requests[0];
    expect(record).toMatchObject({ method: 'POST', path: '/v1/voices/add', endpoint: 'voices.add', status: 200 });
    expect(record?.multipart?.files[0]).toMatchObject({ field: 'files', fileName: 'sample.wav', sizeBytes: sample.data.byteLength });
    const latency = (record?.respondedAt ?? 0) - (record?.receivedAt ?? 0);
    expect(latency).toBeGreaterThanOrEqual(39);
    expect(latency).toBeLessThan(1_000);
    expect(Math.abs((record?.receivedAt ?? 0) - Date.now())).toBeLessThan(5_000);
  });

  it('keeps the voice’s samples, labels and the removal of a premade voice is refused', async () => {
    const form = new FormData();
    form.append('name', 'labelled');
    form.append('files', new Blob([makeWavSample().data], { type: 'audio/wav' }), 'one.wav');
    form.append('labels', '{"accent":"berlin"}');
    const { json } = await call(sandbox, 'POST', '/v1/voices/add', form);
    const voice = await call(sandbox, 'GET', `/v1/voices/${String(json.voice_id)}`);
    expect(voice.json).toMatchObject({ name: 'labelled', category: 'cloned', labels: { accent: 'berlin' }, samples: [{ file_name: 'one.wav', mime_type: 'audio/wav' }] });
    expect((await call(sandbox, 'DELETE', '/v1/voices/21m00Tcm4TlvDq8ikWAM')).status).toBe(403);
    const sub = await call(sandbox, 'GET', '/v1/user/subscription');
    expect(sub.json).toMatchObject({ voice_slots_used: 1, voice_add_edit_counter: 1 });
  });

  it('probability-based failures follow the injected random source', async () => {
    const seq = [0.1, 0.9, 0.1, 0.9];
    let i = 0;
    const seeded = await startElevenLabsSandbox({
      apiKey: KEY,
      apiLatencyMs: 0,
      random: () => seq[i++ % seq.length] ?? 0,
      failures: { subscription: { kind: '500', probability: 0.5 } },
    });
    try {
      const statuses: number[] = [];
      for (let n = 0; n < 4; n++) statuses.push((await call(seeded, 'GET', '/v1/user/subscription')).status);
      expect(statuses).toEqual([500, 200, 500, 200]);
    } finally {
      await seeded.close();
    }
  });

  it('control routes change failures and config at runtime and expose the request log', async () => {
    const put = await request(`${sandbox.url}/_sandbox/failures/voices.get`, { method: 'PUT', body: JSON.stringify({ kind: 'quota_exceeded', times: 1 }) });
    expect(put.statusCode).toBe(200);
    await put.body.dump();
    expect((await call(sandbox, 'GET', '/v1/voices/21m00Tcm4TlvDq8ikWAM')).json).toMatchObject({ detail: { status: 'quota_exceeded' } });
    expect((await call(sandbox, 'GET', '/v1/voices/21m00Tcm4TlvDq8ikWAM')).status).toBe(200);

    const bad = await request(`${sandbox.url}/_sandbox/failures/voices.get`, { method: 'PUT', body: JSON.stringify({ kind: 'explode' }) });
    expect(bad.statusCode).toBe(400);
    await bad.body.dump();

    const cfg = await request(`${sandbox.url}/_sandbox/config`, { method: 'POST', body: JSON.stringify({ voiceLimit: 0 }) });
    await cfg.body.dump();
    const form = new FormData();
    form.append('name', 'x');
    form.append('files', new Blob([makeWavSample().data]), 'x.wav');
    expect((await call(sandbox, 'POST', '/v1/voices/add', form)).json).toMatchObject({ detail: { status: 'voice_limit_reached' } });
    sandbox.configure({ voiceLimit: 10 });

    const log = await request(`${sandbox.url}/_sandbox/requests`);
    const records = (await log.body.json()) as { endpoint: string }[];
    expect(records.map((r) => r.endpoint)).toEqual(['voices.get', 'voices.get', 'voices.add']);
  });

  it('reset() clears state and restores the start-up failures', async () => {
    await call(sandbox, 'POST', '/v1/convai/twilio/outbound-call', { agent_id: 'a', agent_phone_number_id: 'p', to_number: '+1' });
    expect(sandbox.conversations.size).toBe(1);
    sandbox.setFailure('subscription', { kind: '500' });
    sandbox.reset();
    expect(sandbox.conversations.size).toBe(0);
    expect(sandbox.requests).toHaveLength(0);
    expect((await call(sandbox, 'GET', '/v1/user/subscription')).status).toBe(200);
  });

  it('a held (timeout) request stays open until reset() drops it', async () => {
    sandbox.setFailure('subscription', { kind: 'timeout' });
    const pending = call(sandbox, 'GET', '/v1/user/subscription').then(
      () => 'answered',
      () => 'dropped',
    );
    await sandbox.waitForRequest((r) => r.endpoint === 'subscription');
    expect(await Promise.race([pending, sleep(100).then(() => 'still open')])).toBe('still open');
    sandbox.reset();
    expect(await pending).toBe('dropped');
  });
});
