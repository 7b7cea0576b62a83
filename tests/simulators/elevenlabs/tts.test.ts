import { FormData, request } from 'undici';
import { makeWav } from '../../../scripts/sine-wav';
import { classifyFrames, toSegments } from '../../../simulators/audio';
import { type ElevenLabsSandbox, RACHEL_VOICE_ID, startElevenLabsSandbox } from '../../../simulators/elevenlabs';
import { ulawToPcm16 } from '../../../src/audio';
import { call, halveRate, KEY } from './helpers';

const OTHER_VOICE = 'pNInz6obpgDQGcFmaJgB';

async function tts(sandbox: ElevenLabsSandbox, voiceId: string, query: string, body: unknown = { text: 'Hello there, caller.' }, stream = false) {
  const res = await request(`${sandbox.url}/v1/text-to-speech/${voiceId}${stream ? '/stream' : ''}${query}`, {
    method: 'POST',
    headers: { 'xi-api-key': KEY, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const bytes = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, bytes };
}

/** Share of 20 ms frames classified as `voiceId` among the non-silent ones. */
function voiceShare(pcm8k: Buffer, voiceId: string, candidates: string[]): number {
  const labels = classifyFrames(pcm8k, candidates).filter((l) => l !== 'silence');
  return labels.filter((l) => typeof l === 'object' && l.voice === voiceId).length / labels.length;
}

describe('ElevenLabs sandbox: text-to-speech', () => {
  let sandbox: ElevenLabsSandbox;

  beforeAll(async () => {
    sandbox = await startElevenLabsSandbox({ apiKey: KEY, apiLatencyMs: 0, ttsLatencyMs: 0, cloneLatencyMs: 0, acceptAnyPremadeVoiceId: true });
  });
  afterEach(() => sandbox.reset());
  afterAll(() => sandbox.close());

  it('pcm_8000 is raw s16le that a listener recognises as the requested voice', async () => {
    const res = await tts(sandbox, RACHEL_VOICE_ID, '?output_format=pcm_8000');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('audio/pcm');
    // "Hello there, caller." = 20 characters × 60 ms.
    expect(res.bytes.length).toBe(1_200 * 16);
    expect(voiceShare(res.bytes, RACHEL_VOICE_ID, [RACHEL_VOICE_ID, OTHER_VOICE])).toBeGreaterThan(0.9);
    expect(toSegments(classifyFrames(res.bytes, [RACHEL_VOICE_ID]))).toEqual([{ label: 'voice', voiceId: RACHEL_VOICE_ID, startMs: 0, endMs: 1_200 }]);
  });

  it('pcm_16000 and ulaw_8000 carry the same voice at their own rate and encoding', async () => {
    const pcm16 = await tts(sandbox, OTHER_VOICE, '?output_format=pcm_16000');
    expect(pcm16.bytes.length).toBe(1_200 * 32);
    expect(voiceShare(halveRate(pcm16.bytes), OTHER_VOICE, [RACHEL_VOICE_ID, OTHER_VOICE])).toBeGreaterThan(0.9);
    const ulaw = await tts(sandbox, OTHER_VOICE, '?output_format=ulaw_8000');
    expect(ulaw.bytes.length).toBe(1_200 * 8);
    // Decoded by the product's own G.711 code: both implementations must agree.
    expect(voiceShare(ulawToPcm16(ulaw.bytes), OTHER_VOICE, [RACHEL_VOICE_ID, OTHER_VOICE])).toBeGreaterThan(0.9);
  });

  it('the stream endpoint sends the same audio in several chunks', async () => {
    const whole = await tts(sandbox, RACHEL_VOICE_ID, '?output_format=pcm_8000');
    const streamed = await tts(sandbox, RACHEL_VOICE_ID, '?output_format=pcm_8000', undefined, true);
    expect(streamed.status).toBe(200);
    expect(streamed.headers['transfer-encoding']).toBe('chunked');
    expect(streamed.bytes.equals(whole.bytes)).toBe(true);
    expect(sandbox.requests.at(-1)).toMatchObject({ endpoint: 'tts.stream', status: 200, responseBytes: whole.bytes.length });
  });

  it('a cloned voice speaks once it exists, and no longer once deleted', async () => {
    const form = new FormData();
    form.append('name', 'caller clone');
    form.append('files', new Blob([makeWav(0.2)], { type: 'audio/wav' }), 'a.wav');
    const voiceId = String((await call(sandbox, 'POST', '/v1/voices/add', form)).json.voice_id);
    const res = await tts(sandbox, voiceId, '?output_format=pcm_8000');
    expect(voiceShare(res.bytes, voiceId, [voiceId, RACHEL_VOICE_ID])).toBeGreaterThan(0.9);
    await call(sandbox, 'DELETE', `/v1/voices/${voiceId}`);
    const gone = await tts(sandbox, voiceId, '?output_format=pcm_8000');
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.bytes.toString())).toEqual({ detail: { status: 'voice_not_found', message: `A voice with the voice_id ${voiceId} was not found.` } });
  });

  it('refuses what it cannot do: mp3 (also the default) 400, an unknown format or missing text 422, an odd voice id 404', async () => {
    const mp3 = await tts(sandbox, RACHEL_VOICE_ID, '?output_format=mp3_44100_128');
    expect(mp3.status).toBe(400);
    expect(JSON.parse(mp3.bytes.toString())).toMatchObject({ detail: { status: 'unsupported_output_format_in_sandbox' } });
    expect((await tts(sandbox, RACHEL_VOICE_ID, '')).status).toBe(400);
    const invalid = await tts(sandbox, RACHEL_VOICE_ID, '?output_format=wav', { model_id: 'eleven_flash_v2_5' });
    expect(invalid.status).toBe(422);
    expect((JSON.parse(invalid.bytes.toString()) as { detail: { loc: unknown[]; type: string }[] }).detail.map((d) => [d.loc, d.type])).toEqual([
      [['query', 'output_format'], 'enum'],
      [['body', 'text'], 'missing'],
    ]);
    expect((await tts(sandbox, 'not-a-voice', '?output_format=pcm_8000')).status).toBe(404);
  });

  it('honours latency and failure injection like the other endpoints', async () => {
    sandbox.configure({ ttsLatencyMs: 150 });
    const started = Date.now();
    expect((await tts(sandbox, RACHEL_VOICE_ID, '?output_format=pcm_8000')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    sandbox.configure({ ttsLatencyMs: 0 });
    sandbox.setFailure('tts', { kind: '429', times: 1 });
    expect((await tts(sandbox, RACHEL_VOICE_ID, '?output_format=pcm_8000')).status).toBe(429);
    expect((await tts(sandbox, RACHEL_VOICE_ID, '?output_format=pcm_8000')).status).toBe(200);
    const res = await request(`${sandbox.url}/v1/text-to-speech/${RACHEL_VOICE_ID}?output_format=pcm_8000`, { method: 'POST', headers: { 'xi-api-key': 'wrong' }, body: '{}' });
    expect(res.statusCode).toBe(401);
    await res.body.dump();
  });
});
