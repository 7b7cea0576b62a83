import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Prisma } from '../../src/generated/prisma/client';
import { callResult, uniqueCaller } from '../support/live-call';
import { SHORT_GREETING, startTestStack, type TestStack } from '../support/stack';
import { makeWav } from '../../scripts/sine-wav';
import { readFixture } from '../support/storage';

// The admin API on the real stack: auth, voice registration (upload and URL) against local
// storage, the call log and the statistics computed by PostgreSQL.
jest.setTimeout(60_000);

const TOKEN = 'x'.repeat(32);
// 256 KiB samples: small enough to test the size limits without big bodies.
const MAX_SAMPLE_BYTES = 256 * 1024;

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ env: { ADMIN_API_TOKEN: TOKEN, VOICE_CLONE_MAX_SIZE_MB: '0.25', REQUIRE_CLONE_CONSENT: 'false', GREETING_MESSAGE: SHORT_GREETING }, sandbox: { callDurationMs: 2_000 } });
});
afterAll(async () => {
  await stack?.stop();
});

interface Answer {
  status: number;
  json: any;
}

async function api(method: string, urlPath: string, { body, token = TOKEN, headers = {} }: { body?: string | FormData; token?: string | null; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await fetch(`${stack.apiUrl}${urlPath}`, {
    method,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const voicePath = (caller: string) => `/api/v1/callers/${encodeURIComponent(caller)}/voice`;

function upload(caller: string, bytes: Buffer, fields: Record<string, string> = {}, fileName = 'sample.bin'): Promise<Answer> {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type: 'application/octet-stream' }), fileName);
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return api('PUT', voicePath(caller), { body: form });
}

const registerUrl = (caller: string, body: Record<string, unknown>): Promise<Answer> =>
  api('PUT', voicePath(caller), { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

/** Every file under the samples directory, relative to it. */
function storedFiles(): string[] {
  return readdirSync(stack.samplesDir, { recursive: true, encoding: 'utf8' })
    .filter((rel) => statSync(path.join(stack.samplesDir, rel)).isFile())
    .sort();
}

describe('authentication', () => {
  const routes: [string, string][] = [
    ['PUT', '/api/v1/callers/+4915112345678/voice'],
    ['GET', '/api/v1/callers/+4915112345678/voice'],
    ['DELETE', '/api/v1/callers/+4915112345678/voice'],
    ['PUT', '/api/v1/callers/+4915112345678/consent'],
    ['GET', '/api/v1/callers/+4915112345678/consent'],
    ['DELETE', '/api/v1/callers/+4915112345678/consent'],
    ['GET', '/callers/+4915112345678/calls'],
    ['GET', '/api/v1/statistics'],
  ];
  test.each(routes)('%s %s needs the bearer token', async (method, urlPath) => {
    for (const token of [null, 'wrong', 'y'.repeat(32)]) {
      const res = await api(method, urlPath, { token });
      expect(res).toEqual({ status: 401, json: { error: { code: 'unauthorized', message: expect.any(String) } } });
    }
  });
});

describe('PUT/GET/DELETE /api/v1/callers/:callerId/voice', () => {
  test('a multipart upload is validated, stored under callers/<number>/ and readable by GET in any number form', async () => {
    const caller = uniqueCaller();
    const bytes = await readFixture('sample-4s.mp3');
    const put = await upload(caller, bytes, { voice_name: 'Jane Doe', description: 'front desk', account_id: 'acme' });

    expect(put.status).toBe(201);
    expect(put.json).toEqual({
      caller_id: caller,
      voice_sample_url: expect.stringMatching(/^file:\/\//),
      voice_name: 'Jane Doe',
      description: 'front desk',
      account_id: 'acme',
      created_at: expect.any(String),
      updated_at: expect.any(String),
      voice_sample: { format: 'mp3', mime_type: 'audio/mpeg', size_bytes: bytes.length, duration_seconds: expect.closeTo(4, 0) },
      consent: { status: 'none', required: false },
    });
    const file = fileURLToPath(put.json.voice_sample_url);
    expect(path.relative(stack.samplesDir, file)).toMatch(new RegExp(`^callers/${caller.slice(1)}/\\d+\\.mp3$`));
    expect(readFileSync(file).equals(bytes)).toBe(true);

    const national = `0${caller.slice(3)}`;
    const { voice_sample: _measured, consent: _consent, ...mapping } = put.json;
    expect(await api('GET', voicePath(national))).toEqual({ status: 200, json: mapping });
  });

  test('a sample already in storage is registered by its path; a missing or refused path is not', async () => {
    const caller = uniqueCaller();
    mkdirSync(path.join(stack.samplesDir, 'imports'), { recursive: true });
    writeFileSync(path.join(stack.samplesDir, 'imports', 'greeting.wav'), makeWav(4));

    const put = await registerUrl(caller, { voice_sample_url: 'imports/greeting.wav' });
    expect(put.status).toBe(201);
    expect(put.json).toMatchObject({ caller_id: caller, voice_sample_url: 'imports/greeting.wav', voice_name: `Caller ${caller.slice(-4)}`, description: null, account_id: null, voice_sample: { format: 'wav' } });

    const other = uniqueCaller();
    const missing = await registerUrl(other, { voice_sample_url: 'imports/nobody.wav' });
    expect(missing).toEqual({ status: 422, json: { error: { code: 'voice_sample_not_found', message: expect.stringContaining('imports/nobody.wav') } } });
    const traversal = await registerUrl(other, { voice_sample_url: '../../etc/passwd' });
    expect(traversal.status).toBe(400);
    expect(traversal.json.error.details).toEqual([{ field: 'voice_sample_url', message: 'refused (traversal)' }]);
    const notAudio = await registerUrl(other, { voice_sample_url: pathOfFixtureCopy('not-audio.mp3') });
    expect(notAudio.status).toBe(422);
    expect(notAudio.json.error.details.reason).toBe('unsupported_format');
    expect(await stack.db.prisma.callerVoiceMapping.count({ where: { callerId: other } })).toBe(0);
  });

  test('rejected audio → 422 with reason, limit and measurement, and nothing is stored', async () => {
    const caller = uniqueCaller();
    const before = storedFiles();

    const notAudio = await upload(caller, await readFixture('not-audio.mp3'), {}, 'voice.mp3');
    expect(notAudio.status).toBe(422);
    expect(notAudio.json.error).toEqual({
      code: 'invalid_voice_sample',
      message: expect.stringContaining('PNG image'),
      details: { reason: 'unsupported_format', limit: null, measured: expect.any(Number) },
    });

    const short = await upload(caller, await readFixture('sample-1s.mp3'));
    expect(short.status).toBe(422);
    expect(short.json.error.details).toEqual({ reason: 'too_short', limit: 3, measured: expect.closeTo(1, 0) });

    // Over the sample limit but within the multipart allowance: measured and refused as too large.
    const large = await upload(caller, makeWav(17));
    expect(large.json.error.details).toEqual({ reason: 'too_large', limit: MAX_SAMPLE_BYTES, measured: makeWav(17).length });

    const empty = await upload(caller, Buffer.alloc(0));
    expect(empty.json.error.details.reason).toBe('empty');

    expect(storedFiles()).toEqual(before);
    expect(await stack.db.prisma.callerVoiceMapping.count({ where: { callerId: caller } })).toBe(0);
  });

  test('a body over the upload limit → 413; bad requests → 400/415 naming the problem; nothing stored', async () => {
    const caller = uniqueCaller();
    const before = storedFiles();
    const huge = await upload(caller, Buffer.alloc(MAX_SAMPLE_BYTES + 100 * 1024, 1));
    expect(huge).toEqual({ status: 413, json: { error: { code: 'payload_too_large', message: expect.any(String) } } });

    const noFile = await api('PUT', voicePath(caller), { body: (() => { const f = new FormData(); f.append('voice_name', 'x'); return f; })() });
    expect(noFile.status).toBe(400);
    expect(noFile.json.error.details).toEqual([expect.objectContaining({ field: 'file' })]);

    for (const who of ['anonymous', '101', 'not-a-number']) {
      const res = await upload(who, await readFixture('sample-4s.mp3'));
      expect(res.status).toBe(400);
      expect(res.json.error.details).toEqual([{ field: 'callerId', message: expect.stringMatching(/^not a phone number/) }]);
    }
    const unknownField = await registerUrl(caller, { voice_sample_url: 'x.wav', colour: 'blue' });
    expect(unknownField.status).toBe(400);
    const noUrl = await registerUrl(caller, { voice_name: 'x' });
    expect(noUrl.json.error).toMatchObject({ code: 'validation_failed', details: [{ field: 'voice_sample_url' }] });
    const badJson = await api('PUT', voicePath(caller), { body: '{', headers: { 'content-type': 'application/json' } });
    expect(badJson.json.error.code).toBe('invalid_json');
    const text = await api('PUT', voicePath(caller), { body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);

    expect(storedFiles()).toEqual(before);
    expect(await stack.db.prisma.callerVoiceMapping.count({ where: { callerId: caller } })).toBe(0);
  });

  test('re-registration replaces the sample, keeps omitted fields and invalidates the cached clones', async () => {
    const caller = uniqueCaller();
    const first = await upload(caller, await readFixture('sample-4s.ogg'), { voice_name: 'Max', account_id: 'acme' });
    expect(first.status).toBe(201);
    const prisma = stack.db.prisma;
    const ttlExpiresAt = new Date(Date.now() + 3_600_000);
    await prisma.voiceCloneCache.createMany({
      data: [
        { callerId: caller, clonedVoiceId: 'voice_old_live', ttlExpiresAt },
        { callerId: caller, clonedVoiceId: 'voice_old_gone', ttlExpiresAt, deletedAt: new Date('2024-01-01T00:00:00Z') },
      ],
    });
    const bystander = uniqueCaller();
    await prisma.voiceCloneCache.create({ data: { callerId: bystander, clonedVoiceId: 'voice_bystander', ttlExpiresAt } });

    const second = await upload(caller, await readFixture('sample-4s.flac'), { description: 'new mic' });
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ voice_name: 'Max', account_id: 'acme', description: 'new mic', created_at: first.json.created_at, voice_sample: { format: 'flac' } });
    expect(second.json.voice_sample_url).not.toBe(first.json.voice_sample_url);
    expect(Date.parse(second.json.updated_at)).toBeGreaterThan(Date.parse(first.json.updated_at));

    const cached = await prisma.voiceCloneCache.findMany({ where: { callerId: caller }, orderBy: { clonedVoiceId: 'asc' } });
    expect(cached.map((c) => [c.clonedVoiceId, c.deletedAt !== null])).toEqual([
      ['voice_old_gone', true],
      ['voice_old_live', true],
    ]);
    expect(cached.find((c) => c.clonedVoiceId === 'voice_old_gone')!.deletedAt).toEqual(new Date('2024-01-01T00:00:00Z'));
    expect((await prisma.voiceCloneCache.findFirstOrThrow({ where: { callerId: bystander } })).deletedAt).toBeNull();
    const status = await api('GET', `/api/clone-status/${encodeURIComponent(caller)}`);
    expect(status.json).toMatchObject({ clone_ready: false, status: 'not_started' });

    // A JSON re-registration with null clears the optional fields.
    const third = await registerUrl(caller, { voice_sample_url: first.json.voice_sample_url, description: null, account_id: null });
    expect(third.status).toBe(200);
    expect(third.json).toMatchObject({ voice_name: 'Max', description: null, account_id: null, voice_sample_url: first.json.voice_sample_url });
  });

  test('DELETE soft-deletes the mapping (the file stays); a new PUT restores it as a fresh registration', async () => {
    const caller = uniqueCaller();
    const put = await upload(caller, await readFixture('sample-4s.webm'), { voice_name: 'Old name', account_id: 'acme' });
    const file = fileURLToPath(put.json.voice_sample_url);
    await stack.db.prisma.voiceCloneCache.create({ data: { callerId: caller, clonedVoiceId: 'voice_withdrawn', ttlExpiresAt: new Date(Date.now() + 3_600_000) } });

    expect(await api('DELETE', voicePath(caller))).toEqual({ status: 204, json: null });
    const row = await stack.db.prisma.callerVoiceMapping.findUniqueOrThrow({ where: { callerId: caller } });
    expect(row.deletedAt).toBeInstanceOf(Date);
    expect(existsSync(file)).toBe(true);
    expect((await stack.db.prisma.voiceCloneCache.findFirstOrThrow({ where: { callerId: caller } })).deletedAt).toBeInstanceOf(Date);
    expect((await api('GET', voicePath(caller))).json.error.code).toBe('voice_mapping_not_found');
    expect((await api('DELETE', voicePath(caller))).status).toBe(404);
    expect((await api('GET', voicePath(uniqueCaller()))).status).toBe(404);

    const again = await upload(caller, await readFixture('sample-4s.m4a'));
    expect(again.status).toBe(201);
    expect(again.json).toMatchObject({ voice_name: `Caller ${caller.slice(-4)}`, account_id: null, voice_sample: { format: 'm4a' } });
    expect((await stack.db.prisma.callerVoiceMapping.findUniqueOrThrow({ where: { callerId: caller } })).deletedAt).toBeNull();
    expect((await api('GET', voicePath(caller))).status).toBe(200);
  });
});

const consentPath = (caller: string) => `/api/v1/callers/${encodeURIComponent(caller)}/consent`;
const putConsent = (caller: string, body: Record<string, unknown>): Promise<Answer> =>
  api('PUT', consentPath(caller), { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const CONSENT = { method: 'written', recorded_by: 'front desk', evidence: 'DMS-4711' };

async function sandboxVoice(): Promise<string> {
  const { voiceId } = await stack.elevenlabs.createVoiceClone({ name: 'consent test', samples: [{ data: Buffer.from('RIFF'), fileName: 'a.wav' }] });
  return voiceId;
}

describe('PUT/GET/DELETE /api/v1/callers/:callerId/consent', () => {
  test('PUT records consent (201, then 200 replacing it), GET shows it in any number form; bad bodies → 400 naming the field, nothing written', async () => {
    const caller = uniqueCaller();
    expect(await api('GET', consentPath(caller))).toEqual({ status: 404, json: { error: { code: 'consent_not_found', message: expect.any(String) } } });

    const first = await putConsent(caller, { ...CONSENT, given_at: '2026-01-02T03:04:05+01:00' });
    expect(first).toEqual({
      status: 201,
      json: {
        caller_id: caller,
        status: 'given',
        given_at: '2026-01-02T02:04:05.000Z',
        method: 'written',
        recorded_by: 'front desk',
        evidence: 'DMS-4711',
        withdrawn_at: null,
        withdrawn_by: null,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      },
    });
    expect(await api('GET', consentPath(`0${caller.slice(3)}`))).toEqual({ status: 200, json: first.json });

    const second = await putConsent(caller, { method: 'web_form', recorded_by: 'crm' });
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ method: 'web_form', recorded_by: 'crm', evidence: null, created_at: first.json.created_at });
    expect(Math.abs(Date.parse(second.json.given_at) - Date.now())).toBeLessThan(10_000);

    const other = uniqueCaller();
    for (const [body, field] of [
      [{ recorded_by: 'x' }, 'method'],
      [{ method: 'written' }, 'recorded_by'],
      [{ ...CONSENT, method: '' }, 'method'],
      [{ ...CONSENT, method: 'm'.repeat(65) }, 'method'],
      [{ ...CONSENT, evidence: 'e'.repeat(2049) }, 'evidence'],
      [{ ...CONSENT, given_at: 'yesterday' }, 'given_at'],
      [{ ...CONSENT, given_at: new Date(Date.now() + 3_600_000).toISOString() }, 'given_at'],
      [{ ...CONSENT, given_at: '0000-01-01T00:00:00Z' }, 'given_at'],
      [{ ...CONSENT, colour: 'blue' }, '(body)'],
    ] as const) {
      const res = await putConsent(other, body);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'validation_failed', details: [expect.objectContaining({ field })] });
    }
    expect((await api('PUT', consentPath(other), { body: 'written', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect(await stack.db.prisma.voiceCloneConsent.count({ where: { callerId: other } })).toBe(0);
  });

  test('the voice registration answer says whether consent is on record', async () => {
    const caller = uniqueCaller();
    expect((await upload(caller, makeWav(4))).json.consent).toEqual({ status: 'none', required: false });
    await putConsent(caller, CONSENT);
    expect((await upload(caller, makeWav(4))).json.consent).toEqual({ status: 'given', required: false });
    await api('DELETE', consentPath(caller));
    expect((await upload(caller, makeWav(4))).json.consent).toEqual({ status: 'withdrawn', required: false });
  });

  test('DELETE withdraws consent and removes the sample file, the registration, the cached clones and the voices at ElevenLabs; a voice a live call speaks in goes after the call', async () => {
    const caller = uniqueCaller();
    const put = await upload(caller, await readFixture('sample-4s.mp3'));
    const file = fileURLToPath(put.json.voice_sample_url);
    await putConsent(caller, CONSENT);
    const [live, invalidated, speaking] = [await sandboxVoice(), await sandboxVoice(), await sandboxVoice()];
    const ttlExpiresAt = new Date(Date.now() + 3_600_000);
    const prisma = stack.db.prisma;
    await prisma.voiceCloneCache.createMany({
      data: [
        { callerId: caller, clonedVoiceId: live, ttlExpiresAt, createdAt: new Date(Date.now() - 1000) },
        { callerId: caller, clonedVoiceId: invalidated, ttlExpiresAt, deletedAt: new Date(Date.now() - 60_000) },
        { callerId: caller, clonedVoiceId: speaking, ttlExpiresAt },
      ],
    });
    const callId = `call-consent.test-${caller.slice(1)}`;
    await prisma.callLog.create({ data: { callId, threecxCallId: '1', callerId: caller, clonedVoiceId: speaking, status: 'initiated' } });

    const res = await api('DELETE', `${consentPath(caller)}?withdrawn_by=${encodeURIComponent('data protection officer')}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      caller_id: caller,
      consent: expect.objectContaining({ status: 'withdrawn', withdrawn_at: expect.any(String), withdrawn_by: 'data protection officer', method: 'written' }),
      removed: {
        registration: 'deleted',
        sample_file: 'deleted',
        cached_clones: 2,
        voices_deleted: expect.arrayContaining([live, invalidated]),
        voices_pending: [{ voice_id: speaking, reason: 'in_use' }],
      },
      pending_voice_deletion: expect.stringMatching(/^(scheduled|next_cleanup)$/),
    });
    expect(res.json.removed.voices_deleted).toHaveLength(2);
    expect(existsSync(file)).toBe(false);
    expect(stack.sandbox.voices.has(live)).toBe(false);
    expect(stack.sandbox.voices.has(invalidated)).toBe(false);
    expect(stack.sandbox.voices.has(speaking)).toBe(true);
    expect(await prisma.voiceCloneCache.findMany({ where: { callerId: caller, deletedAt: null } })).toEqual([]);
    expect(await prisma.voiceCloneCache.findFirstOrThrow({ where: { clonedVoiceId: speaking } })).toMatchObject({ voiceDeletedAt: null });
    expect((await api('GET', voicePath(caller))).status).toBe(404);
    expect((await api('GET', consentPath(caller))).json).toMatchObject({ status: 'withdrawn' });
    expect((await api('GET', `/api/clone-status/${encodeURIComponent(caller)}`)).json).toMatchObject({ clone_ready: false });
  });

  test('a failure at ElevenLabs loses nothing: the withdrawal stands, the voice is listed as pending, and repeating the DELETE finishes it', async () => {
    const caller = uniqueCaller();
    await registerUrl(caller, { voice_sample_url: pathOfFixtureCopy('sample-4s.flac') });
    await putConsent(caller, CONSENT);
    const voiceId = await sandboxVoice();
    await stack.db.prisma.voiceCloneCache.create({ data: { callerId: caller, clonedVoiceId: voiceId, ttlExpiresAt: new Date(Date.now() + 3_600_000) } });
    stack.sandbox.setFailure('voices.delete', { kind: '500' });
    let first: Answer;
    try {
      first = await api('DELETE', consentPath(caller));
    } finally {
      stack.sandbox.setFailure('voices.delete', null);
    }
    expect(first.status).toBe(200);
    expect(first.json.consent.status).toBe('withdrawn');
    expect(first.json.removed).toMatchObject({ registration: 'deleted', sample_file: 'deleted', cached_clones: 1, voices_deleted: [], voices_pending: [{ voice_id: voiceId, reason: 'elevenlabs_error' }] });
    expect(await stack.db.prisma.voiceCloneCache.findFirstOrThrow({ where: { clonedVoiceId: voiceId } })).toMatchObject({ deletedAt: expect.any(Date) });

    const again = await api('DELETE', consentPath(caller));
    expect(again.status).toBe(200);
    expect(again.json.consent.withdrawn_at).toBe(first.json.consent.withdrawn_at);
    expect(again.json.removed).toMatchObject({ registration: 'already_deleted', cached_clones: 0, voices_pending: [] });
    expect(stack.sandbox.voices.has(voiceId)).toBe(false);
  });

  test('withdrawing consent nobody recorded still removes the caller’s sample and clones; a file another caller’s registration uses is kept; a caller with nothing gets an empty answer', async () => {
    const shared = pathOfFixtureCopy('sample-4s.ogg');
    const caller = uniqueCaller();
    const otherOfSamePerson = uniqueCaller();
    await registerUrl(caller, { voice_sample_url: shared });
    await registerUrl(otherOfSamePerson, { voice_sample_url: shared });
    const res = await api('DELETE', consentPath(caller));
    expect(res.json).toMatchObject({ consent: null, removed: { registration: 'deleted', sample_file: 'shared' } });
    expect(existsSync(path.join(stack.samplesDir, shared))).toBe(true);

    const nobody = uniqueCaller();
    expect(await api('DELETE', consentPath(nobody))).toEqual({
      status: 200,
      json: {
        caller_id: nobody,
        consent: null,
        removed: { registration: 'none', sample_file: 'none', cached_clones: 0, voices_deleted: [], voices_pending: [] },
        pending_voice_deletion: 'none',
      },
    });
    expect((await api('DELETE', `${consentPath(nobody)}?withdrawn_by=`)).status).toBe(400);
  });
});

/** Copies a fixture into the samples directory and returns its path there. */
function pathOfFixtureCopy(name: string): string {
  const target = path.join(stack.samplesDir, 'fixtures', name);
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, readFileSync(path.resolve(__dirname, '../fixtures/audio', name)));
  return `fixtures/${name}`;
}

describe('GET /callers/:callerId/calls', () => {
  test('pages through the caller’s calls newest first', async () => {
    const caller = uniqueCaller();
    const base = Date.parse('2021-03-01T10:00:00Z');
    await stack.db.prisma.callLog.createMany({
      data: Array.from({ length: 25 }, (_, i) => ({
        callId: `call-page.test-${caller.slice(1)}-${i}`,
        threecxCallId: String(i),
        callerId: caller,
        callStartedAt: new Date(base + i * 60_000),
        status: i % 2 ? 'completed' : 'failed',
        metadata: { voice_source: 'default', index: i },
      })),
    });
    await stack.db.prisma.callLog.create({ data: { callId: `call-page.test-other-${caller.slice(1)}`, threecxCallId: '1', callerId: uniqueCaller(), callStartedAt: new Date(base) } });

    const first = await api('GET', `/callers/${encodeURIComponent(caller)}/calls`);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ caller_id: caller, total: 25, limit: 20, offset: 0 });
    expect(first.json.calls).toHaveLength(20);
    expect(first.json.calls[0]).toEqual({
      call_id: `call-page.test-${caller.slice(1)}-24`,
      threecx_call_id: '24',
      caller_id: caller,
      status: 'failed',
      cloned_voice_id: null,
      call_started_at: new Date(base + 24 * 60_000).toISOString(),
      call_ended_at: null,
      duration_seconds: null,
      transcript: null,
      metadata: { voice_source: 'default', index: 24 },
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });

    const last = await api('GET', `/callers/${encodeURIComponent(`0${caller.slice(3)}`)}/calls?limit=10&offset=20`);
    expect(last.json).toMatchObject({ total: 25, limit: 10, offset: 20 });
    expect(last.json.calls.map((c: any) => c.metadata.index)).toEqual([4, 3, 2, 1, 0]);
    expect((await api('GET', `/callers/${encodeURIComponent(caller)}/calls?limit=100&offset=25`)).json.calls).toEqual([]);

    for (const [query, field] of [['limit=101', 'limit'], ['limit=0', 'limit'], ['limit=abc', 'limit'], ['offset=-1', 'offset'], ['offset=1.5', 'offset']]) {
      const res = await api('GET', `/callers/${encodeURIComponent(caller)}/calls?${query}`);
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'validation_failed', details: [{ field }] });
    }
    expect((await api('GET', '/callers/anonymous/calls')).status).toBe(400);
  });
});

describe('GET /api/v1/statistics', () => {
  test('figures over hand-made rows in a past window', async () => {
    const prisma = stack.db.prisma;
    const at = (minutes: number) => new Date(Date.parse('2020-06-01T12:00:00Z') + minutes * 60_000);
    const calls: [status: string, metadata: Prisma.InputJsonObject][] = [
      ['completed', { voice_source: 'cache', fallback_reason: null, hold_ms: 1000, dead_air_ms: 0 }],
      ['completed', { voice_source: 'cache', fallback_reason: null, hold_ms: 2000, dead_air_ms: 10 }],
      ['completed', { voice_source: 'cache', fallback_reason: null, hold_ms: 3000, dead_air_ms: 20 }],
      ['completed', { voice_source: 'clone', fallback_reason: null, hold_ms: 4000, dead_air_ms: 30 }],
      ['completed', { voice_source: 'clone', fallback_reason: null }],
      ['completed', { voice_source: 'default', fallback_reason: 'clone_timeout' }],
      ['failed', { voice_source: 'default', fallback_reason: 'clone_timeout', failure_reason: 'agent_unavailable', fallback: { reason: 'agent_unavailable', destination: '8000', outcome: 'routed' } }],
      ['cancelled', { voice_source: 'default', fallback_reason: 'no_sample' }],
      ['failed', { voice_source: null, fallback_reason: null, failure_reason: 'hold_failed' }],
      ['initiated', { pbx: 'stats.test' }],
      ['abandoned', { voice_source: null, fallback_reason: null, hold_ms: 500, dead_air_ms: 0 }],
    ];
    await prisma.callLog.createMany({
      data: calls.map(([status, metadata], i) => ({ callId: `call-stats.test-${i}`, threecxCallId: String(i), callerId: '+4915100000001', callStartedAt: at(i), status, metadata })),
    });
    // Outside the window (until is exclusive).
    await prisma.callLog.create({ data: { callId: 'call-stats.test-late', threecxCallId: '99', callerId: '+4915100000001', callStartedAt: at(24 * 60), status: 'completed', metadata: { voice_source: 'cache' } } });

    await prisma.voiceCloneLog.createMany({
      data: [
        ...[100, 200, 300, 400, 500, 600, 700, 800, 900, 1000].map((ms, i) => ({ callerId: '+4915100000001', status: 'success', apiResponseTimeMs: ms, createdAt: at(i) })),
        { callerId: '+4915100000001', status: 'failed', errorMessage: 'voice_limit_reached', createdAt: at(3) },
        { callerId: '+4915100000001', status: 'success', apiResponseTimeMs: 99_999, createdAt: at(-1) },
      ],
    });

    const ms = (minutes: number, plus: number) => new Date(at(minutes).getTime() + plus);
    await prisma.cloneReadyEvent.createMany({
      data: [
        { callerId: '+4915100000001', greetingCallId: 'conv_g1', clonedVoiceId: 'v1', cloneDurationMs: 1, readyAt: ms(1, 0) },
        { callerId: '+4915100000001', greetingCallId: 'conv_g2', clonedVoiceId: 'v2', cloneDurationMs: 1, readyAt: ms(2, 0) },
        // An operator's retry made a second clone; the transfer follows the later one.
        { callerId: '+4915100000001', greetingCallId: 'conv_g3', clonedVoiceId: 'v3', cloneDurationMs: 1, readyAt: ms(3, 0) },
        { callerId: '+4915100000001', greetingCallId: 'conv_g3', clonedVoiceId: 'v3b', cloneDurationMs: 1, readyAt: ms(3, 500) },
      ],
    });
    await prisma.cloneTransferEvent.createMany({
      data: [
        { greetingCallId: 'conv_g1', agentCallId: 'conv_a1', clonedVoiceId: 'v1', transferredAt: ms(1, 1000) },
        { greetingCallId: 'conv_g2', agentCallId: 'conv_a2', clonedVoiceId: 'v2', transferredAt: ms(2, 2000) },
        { greetingCallId: 'conv_g3', agentCallId: 'conv_a3', clonedVoiceId: 'v3b', transferredAt: ms(3, 3500) },
        // A cache hit: transferred without a clone-ready event.
        { greetingCallId: 'conv_g4', agentCallId: 'conv_a4', clonedVoiceId: 'v4', transferredAt: ms(4, 0) },
      ],
    });

    const since = at(0).toISOString();
    const until = at(24 * 60).toISOString();
    const res = await api('GET', `/api/v1/statistics?since=${since}&until=${until}`);
    expect(res.status).toBe(200);
    // 8 of the 11 calls reached a voice decision: 3 cache, 2 clone, 3 default.
    // Holds 500..4000: p50 2000; p95 at rank 0.95 × 4 = 3.8 → 3000 + 0.8 × 1000 = 3800; dead air 0,0,10,20,30 → 28.
    // One abandoned of the 9 finished calls that were not cancelled.
    // Clone times 100..1000: avg 550; p95 (linear interpolation) at rank 0.95 × 9 = 8.55 → 900 + 0.55 × 100 = 955.
    // Ready → transfer: 1000, 2000 and 3000 ms (from the later ready event of conv_g3); p95 at rank 1.9 → 2900.
    expect(res.json).toEqual({
      window: { since, until },
      calls: { total: 11, completed: 6, failed: 2, abandoned: 1, cancelled: 1, in_progress: 1 },
      hold: { calls: 5, p50_ms: 2000, p95_ms: expect.closeTo(3800, 6), abandoned_during_hold: 1, abandonment_rate: 1 / 9, dead_air_p95_ms: expect.closeTo(28, 6) },
      handoff_failures: [
        { reason: 'agent_unavailable', count: 1, fallback_routed: 1 },
        { reason: 'hold_failed', count: 1, fallback_routed: 0 },
      ],
      voice: { decided_calls: 8, cache: 3, clone: 2, default: 3, cache_hit_rate: 3 / 8 },
      fallback: {
        total: 3,
        rate: 3 / 8,
        by_reason: [
          { reason: 'clone_timeout', count: 2, rate: 2 / 8 },
          { reason: 'no_sample', count: 1, rate: 1 / 8 },
        ],
      },
      clone_time_ms: { attempts: 11, succeeded: 10, failed: 1, avg: 550, p95: expect.closeTo(955, 6) },
      clone_ready_to_transfer_ms: { count: 3, avg: expect.closeTo(2000, 6), p95: expect.closeTo(2900, 6) },
    });

    const empty = await api('GET', '/api/v1/statistics?since=2019-01-01T00:00:00Z&until=2019-01-02T00:00:00Z');
    expect(empty.json).toMatchObject({
      calls: { total: 0 },
      voice: { decided_calls: 0, cache_hit_rate: null },
      fallback: { total: 0, rate: null, by_reason: [] },
      clone_time_ms: { attempts: 0, avg: null, p95: null },
      clone_ready_to_transfer_ms: { count: 0, avg: null, p95: null },
    });
  });

  test('the window defaults to the last 24 hours; bad bounds → 400 naming the field', async () => {
    const res = await api('GET', '/api/v1/statistics');
    expect(res.status).toBe(200);
    const { since, until } = res.json.window;
    expect(Math.abs(Date.parse(until) - Date.now())).toBeLessThan(10_000);
    expect(Date.parse(until) - Date.parse(since)).toBe(24 * 3_600_000);

    for (const [query, field] of [
      ['since=yesterday', 'since'],
      ['until=2020-01-01', 'until'],
      ['since=2020-01-02T00:00:00Z&until=2020-01-01T00:00:00Z', 'since'],
      [`since=${new Date(Date.now() + 3_600_000).toISOString()}`, 'since'],
    ]) {
      const bad = await api('GET', `/api/v1/statistics?${query}`);
      expect(bad.status).toBe(400);
      expect(bad.json.error.details).toEqual([expect.objectContaining({ field })]);
    }
  });
});

describe('a real call', () => {
  test('a sample uploaded through the API is cloned for a call, which then shows in the calls list and the statistics', async () => {
    const caller = uniqueCaller();
    expect((await upload(caller, makeWav(4), { voice_name: 'Real caller' })).status).toBe(201);
    // Only this call: the tests above leave rows of their own seconds earlier.
    const since = new Date(Date.now() - 50).toISOString();
    const { workflowId } = stack.dial(caller);
    const outcome = await callResult(stack, workflowId);
    expect(outcome).toMatchObject({ phase: 'completed', voice: { source: 'clone' } });

    const list = await api('GET', `/callers/${encodeURIComponent(caller)}/calls`);
    expect(list.json).toMatchObject({ caller_id: caller, total: 1 });
    expect(list.json.calls[0]).toMatchObject({
      call_id: workflowId,
      status: 'completed',
      cloned_voice_id: outcome.voice.voiceId,
      metadata: { voice_source: 'clone', fallback_reason: null },
    });

    const until = new Date(Date.now() + 1_000).toISOString();
    const stats = await api('GET', `/api/v1/statistics?since=${since}&until=${until}`);
    expect(stats.json).toMatchObject({
      calls: { total: 1, completed: 1 },
      voice: { decided_calls: 1, clone: 1, cache_hit_rate: 0 },
      fallback: { total: 0, rate: 0, by_reason: [] },
      clone_time_ms: { succeeded: 1, p95: expect.any(Number) },
      clone_ready_to_transfer_ms: { count: 1, p95: expect.any(Number) },
    });
    expect(stats.json.clone_time_ms.p95).toBe(stats.json.clone_time_ms.avg);
  });
});
