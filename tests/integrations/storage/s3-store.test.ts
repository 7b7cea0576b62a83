import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatS3Url, parseS3Url, S3VoiceSampleStore, type S3StoreOptions } from '../../../src/integrations/storage/s3-store';
import {
  StoragePathRefusedError,
  StorageRequestError,
  StorageUnavailableError,
  VoiceSampleNotFoundError,
  VoiceSampleRejectedError,
} from '../../../src/integrations/storage/errors';
import { validateVoiceSample } from '../../../src/integrations/storage/audio-validation';
import { makeWav } from '../../../scripts/sine-wav';
import { readFixture, S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from '../../support/storage';

const BUCKET = 'voice-samples';
const OTHER_BUCKET = 'other-bucket';

describe('S3VoiceSampleStore against s3rver', () => {
  let server: RunningS3rver;
  let store: S3VoiceSampleStore;
  const stores: S3VoiceSampleStore[] = [];
  const makeStore = (overrides: Partial<S3StoreOptions> = {}): S3VoiceSampleStore => {
    const s = new S3VoiceSampleStore({
      bucket: BUCKET,
      region: 'us-east-1',
      endpoint: server.endpoint,
      ...S3RVER_CREDENTIALS,
      prefix: 'samples/',
      maxAttempts: 1,
      ...overrides,
    });
    stores.push(s);
    return s;
  };

  beforeAll(async () => {
    server = await startS3rver([BUCKET, OTHER_BUCKET]);
    store = makeStore();
  });

  afterAll(async () => {
    for (const s of stores) s.destroy();
    await server.stop();
  });

  it('uploads under the prefix, downloads the bytes back and deletes', async () => {
    const mp3 = await readFixture('sample-4s.mp3');
    const url = await store.upload({ key: 'callers/42/sample.mp3', bytes: mp3, contentType: 'audio/mpeg' });
    expect(url).toBe(`s3://${BUCKET}/samples/callers/42/sample.mp3`);

    const downloaded = await store.download(url);
    expect(downloaded.bytes.equals(mp3)).toBe(true);
    expect(downloaded.contentType).toBe('audio/mpeg');
    await expect(validateVoiceSample(downloaded.bytes, { maxSizeBytes: 1e6, minDurationSeconds: 3 })).resolves.toMatchObject({
      format: 'mp3',
    });

    await store.delete(url);
    await expect(store.download(url)).rejects.toBeInstanceOf(VoiceSampleNotFoundError);
    await expect(store.delete(url)).resolves.toBeUndefined();
  });

  it('overwrites an existing key and works without a prefix', async () => {
    const noPrefix = makeStore({ prefix: undefined });
    const url = await noPrefix.upload({ key: 'a.wav', bytes: Buffer.from('first') });
    expect(url).toBe(`s3://${BUCKET}/a.wav`);
    const wav = makeWav(0.5);
    await noPrefix.upload({ key: 'a.wav', bytes: wav });
    expect((await noPrefix.download(url)).bytes.equals(wav)).toBe(true);
  });

  it('refuses s3:// URLs of any other bucket the credentials can read, before any request', async () => {
    const other = makeStore({ bucket: OTHER_BUCKET, prefix: undefined });
    const wav = makeWav(0.25);
    const url = await other.upload({ key: 'registered/caller.wav', bytes: wav, contentType: 'audio/wav' });
    expect(url).toBe(`s3://${OTHER_BUCKET}/registered/caller.wav`);
    for (const op of [() => store.download(url), () => store.delete(url)]) {
      const err = await op().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoragePathRefusedError);
      expect(err).toMatchObject({ name: 'StoragePathRefusedError', retryable: false, reason: 'outside_root', input: url });
      expect((err as Error).message).toContain(`only objects in the bucket "${BUCKET}" (S3_BUCKET_NAME)`);
    }
    expect((await other.download(url)).bytes.equals(wav)).toBe(true);
  });

  it('reports a missing key as VoiceSampleNotFoundError', async () => {
    const err = await store.download(`s3://${BUCKET}/samples/nope.wav`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VoiceSampleNotFoundError);
    expect(err).toMatchObject({ name: 'VoiceSampleNotFoundError', retryable: false, url: `s3://${BUCKET}/samples/nope.wav` });
  });

  it('reports a missing bucket as VoiceSampleNotFoundError', async () => {
    const gone = makeStore({ bucket: 'no-such-bucket' });
    await expect(gone.download('s3://no-such-bucket/x.wav')).rejects.toBeInstanceOf(VoiceSampleNotFoundError);
  });

  it('refuses an object larger than maxBytes', async () => {
    const wav = makeWav(1);
    const url = await store.upload({ key: 'big.wav', bytes: wav });
    const err = await store.download(url, { maxBytes: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VoiceSampleRejectedError);
    expect(err).toMatchObject({ reason: 'too_large', limit: 1000, measured: wav.length });
  });

  // s3rver does not verify SigV4 signatures, but it does reject unknown access keys.
  it('maps bad credentials to a non-retryable StorageRequestError', async () => {
    const wrong = makeStore({ accessKeyId: 'UNKNOWN-KEY', secretAccessKey: 'wrong-secret' });
    for (const op of [() => wrong.upload({ key: 'x.wav', bytes: Buffer.from('x') }), () => wrong.download(`s3://${BUCKET}/x.wav`)]) {
      const err = await op().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageRequestError);
      expect(err).toMatchObject({ name: 'StorageRequestError', retryable: false, statusCode: 403, code: 'InvalidAccessKeyId' });
    }
  });

  it('refuses malformed URLs and traversal in keys before any request', async () => {
    for (const url of ['s3://voice-samples', 's3://voice-samples/', 's3:///key.wav', 'https://voice-samples/key.wav', 's3://a/x\0y']) {
      await expect(store.download(url)).rejects.toMatchObject({ name: 'StoragePathRefusedError', reason: 'invalid' });
    }
    await expect(store.download(`s3://${BUCKET}/../${OTHER_BUCKET}/registered/caller.wav`)).rejects.toMatchObject({
      name: 'StoragePathRefusedError',
      reason: 'traversal',
    });
    await expect(store.upload({ key: '../escape.wav', bytes: Buffer.from('x') })).rejects.toBeInstanceOf(StoragePathRefusedError);
  });

  it('passes an abort through untouched', async () => {
    const url = await store.upload({ key: 'abort.wav', bytes: makeWav(0.1) });
    await expect(store.download(url, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('reports a stopped server as a retryable StorageUnavailableError', async () => {
    const doomed = await startS3rver([BUCKET]);
    const s = makeStore({ endpoint: doomed.endpoint });
    const url = await s.upload({ key: 'a.wav', bytes: makeWav(0.1) });
    await doomed.stop();
    for (const op of [() => s.download(url), () => s.upload({ key: 'b.wav', bytes: Buffer.from('x') }), () => s.delete(url)]) {
      const err = await op().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageUnavailableError);
      expect(err).toMatchObject({ name: 'StorageUnavailableError', retryable: true });
    }
  });

  describe('server-side failures', () => {
    let failing: Server;
    let status = 503;
    beforeAll(async () => {
      failing = createServer((_req, res) => {
        res.writeHead(status, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${status === 503 ? 'SlowDown' : 'InternalError'}</Code><Message>nope</Message></Error>`);
      });
      await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => failing.close(() => resolve())));

    it.each([503, 500])('maps HTTP %i to a retryable StorageUnavailableError', async (code) => {
      status = code;
      const s = makeStore({ endpoint: `http://127.0.0.1:${(failing.address() as AddressInfo).port}` });
      const err = await s.download(`s3://${BUCKET}/x.wav`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageUnavailableError);
      expect(err).toMatchObject({ retryable: true, statusCode: code });
    });
  });
});

describe('parseS3Url / formatS3Url', () => {
  it('takes the key literally', () => {
    expect(parseS3Url('s3://bucket/a/b c%20d.wav')).toEqual({ bucket: 'bucket', key: 'a/b c%20d.wav' });
    expect(formatS3Url({ bucket: 'bucket', key: 'a/b.wav' })).toBe('s3://bucket/a/b.wav');
  });
});
