import { FormData, request } from 'undici';
import { makeWav } from '../../../scripts/sine-wav';
import { type ElevenLabsSandbox, startElevenLabsSandbox } from '../../../simulators/elevenlabs';
import { call, KEY, sleep } from './helpers';

const wav = (): Blob => new Blob([makeWav(0.2)], { type: 'audio/wav' });

describe('ElevenLabs sandbox: voices, subscription, conversations, control routes', () => {
  let sandbox: ElevenLabsSandbox;

  beforeAll(async () => {
    sandbox = await startElevenLabsSandbox({ apiKey: KEY, cloneLatencyMs: { min: 40, max: 60 }, apiLatencyMs: 1 });
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

    it('unknown voice / conversation → 404 in the business-error shape; unknown path and method → FastAPI strings', async () => {
      expect(await call(sandbox, 'GET', '/v1/voices/nope')).toMatchObject({
        status: 404,
        json: { detail: { status: 'voice_not_found', message: 'A voice with the voice_id nope was not found.' } },
      });
      expect((await call(sandbox, 'DELETE', '/v1/voices/nope')).status).toBe(404);
      expect((await call(sandbox, 'GET', '/v1/convai/conversations/conv_x')).status).toBe(404);
      expect(await call(sandbox, 'GET', '/v1/voice_lab/voices')).toMatchObject({ status: 404, json: { detail: 'Not Found' } });
      expect(await call(sandbox, 'GET', '/v1/voices/add')).toMatchObject({ status: 405, json: { detail: 'Method Not Allowed' } });
      expect((await call(sandbox, 'POST', '/v1/convai/twilio/outbound-call', {})).status).toBe(404);
      expect((await call(sandbox, 'POST', '/v1/convai/sip-trunk/outbound-call', {})).status).toBe(404);
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
    form.append('files', wav(), 'sample.wav');
    const res = await call(sandbox, 'POST', '/v1/voices/add', form);
    expect(res.status).toBe(200);
    const record = sandbox.requests[0];
    expect(record).toMatchObject({ method: 'POST', path: '/v1/voices/add', endpoint: 'voices.add', status: 200 });
    expect(record?.multipart?.files[0]).toMatchObject({ field: 'files', fileName: 'sample.wav', sizeBytes: makeWav(0.2).byteLength });
    const latency = (record?.respondedAt ?? 0) - (record?.receivedAt ?? 0);
    expect(latency).toBeGreaterThanOrEqual(39);
    expect(latency).toBeLessThan(1_000);
    expect(Math.abs((record?.receivedAt ?? 0) - Date.now())).toBeLessThan(5_000);
  });

  it('keeps the voice’s samples, labels and the removal of a premade voice is refused', async () => {
    const form = new FormData();
    form.append('name', 'labelled');
    form.append('files', wav(), 'one.wav');
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
    form.append('files', wav(), 'x.wav');
    expect((await call(sandbox, 'POST', '/v1/voices/add', form)).json).toMatchObject({ detail: { status: 'voice_limit_reached' } });
    sandbox.configure({ voiceLimit: 10 });

    const log = await request(`${sandbox.url}/_sandbox/requests`);
    const records = (await log.body.json()) as { endpoint: string }[];
    expect(records.map((r) => r.endpoint)).toEqual(['voices.get', 'voices.get', 'voices.add']);
  });

  it('reset() clears state and restores the start-up failures and agents', async () => {
    const form = new FormData();
    form.append('name', 'gone');
    form.append('files', wav(), 'x.wav');
    await call(sandbox, 'POST', '/v1/voices/add', form);
    sandbox.configureAgent('agent_extra', {});
    sandbox.setFailure('subscription', { kind: '500' });
    sandbox.reset();
    expect([...sandbox.voices.values()].map((v) => v.category)).toEqual(['premade']);
    expect([...sandbox.agents.keys()]).toEqual(['agent_sandbox']);
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
