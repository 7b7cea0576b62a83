import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createVoiceSampleStore, type RoutingVoiceSampleStore } from '../../../src/integrations/storage/create-store';
import {
  NON_RETRYABLE_STORAGE_ERROR_TYPES,
  StoragePathRefusedError,
  StorageRequestError,
  StorageUnavailableError,
  VoiceSampleNotFoundError,
  VoiceSampleRejectedError,
  isStorageError,
} from '../../../src/integrations/storage/errors';
import { makeWav } from '../../../scripts/sine-wav';
import { makeTempDir, removeDir, S3RVER_CREDENTIALS, startS3rver, type RunningS3rver } from '../../support/storage';

describe('createVoiceSampleStore', () => {
  let server: RunningS3rver;
  let dir: string;
  const created: RoutingVoiceSampleStore[] = [];
  const s3Settings = () => ({
    bucket: 'samples',
    region: 'us-east-1',
    endpoint: server.endpoint,
    ...S3RVER_CREDENTIALS,
    maxAttempts: 1,
  });
  const make = (config: Parameters<typeof createVoiceSampleStore>[0]): RoutingVoiceSampleStore => {
    const store = createVoiceSampleStore(config);
    created.push(store);
    return store;
  };

  beforeAll(async () => {
    server = await startS3rver(['samples']);
    dir = await makeTempDir('router');
  });

  afterAll(async () => {
    for (const store of created) store.destroy();
    await server.stop();
    await removeDir(dir);
  });

  it('routes by URL: s3:// to S3, everything else to the local root; uploads go to `kind`', async () => {
    const wav = makeWav(0.2);
    const s3First = make({ kind: 's3', s3: s3Settings(), localPath: dir });
    const localFirst = make({ kind: 'local', s3: s3Settings(), localPath: dir });

    const s3Url = await s3First.upload({ key: 'a.wav', bytes: wav });
    const fileUrl = await localFirst.upload({ key: 'b.wav', bytes: wav });
    expect(s3Url).toBe('s3://samples/a.wav');
    expect(fileUrl).toBe(pathToFileURL(path.join(dir, 'b.wav')).href);

    for (const store of [s3First, localFirst]) {
      for (const url of [s3Url, fileUrl, 'b.wav', path.join(dir, 'b.wav')]) {
        expect((await store.download(url)).bytes.equals(wav)).toBe(true);
      }
    }
    await localFirst.delete(s3Url);
    await s3First.delete(fileUrl);
    await expect(s3First.download(s3Url)).rejects.toBeInstanceOf(VoiceSampleNotFoundError);
    await expect(s3First.download(fileUrl)).rejects.toBeInstanceOf(VoiceSampleNotFoundError);
  });

  it('fails with a non-retryable error for a backend that is not configured', async () => {
    const localOnly = make({ kind: 'local', localPath: dir });
    await expect(localOnly.download('s3://samples/a.wav')).rejects.toMatchObject({
      name: 'StorageRequestError',
      code: 'BACKEND_NOT_CONFIGURED',
      retryable: false,
    });
    const s3Only = make({ kind: 's3', s3: s3Settings() });
    await expect(s3Only.download('callers/a.wav')).rejects.toBeInstanceOf(StorageRequestError);
    await expect(s3Only.delete('/etc/passwd')).rejects.toBeInstanceOf(StorageRequestError);
  });

  it('refuses a kind without its settings', () => {
    expect(() => createVoiceSampleStore({ kind: 's3', localPath: dir })).toThrow(/s3 settings/);
    expect(() => createVoiceSampleStore({ kind: 'local' })).toThrow(/localPath/);
  });
});

describe('storage errors', () => {
  it('carry their class name and retryability, and list the non-retryable ones', () => {
    const errors = [
      new VoiceSampleRejectedError('too_short', 'short', { limit: 3, measured: 1 }),
      new VoiceSampleNotFoundError('s3://b/k'),
      new StoragePathRefusedError('../x', 'traversal', 'climbs out'),
      new StorageRequestError('denied', { statusCode: 403 }),
      new StorageUnavailableError('down', { statusCode: 503 }),
    ];
    for (const err of errors) {
      expect(err).toBeInstanceOf(Error);
      expect(err.name).toBe(err.constructor.name);
      expect(isStorageError(err)).toBe(true);
      expect(NON_RETRYABLE_STORAGE_ERROR_TYPES.includes(err.name)).toBe(!err.retryable);
    }
    expect(errors.filter((e) => e.retryable).map((e) => e.name)).toEqual(['StorageUnavailableError']);
    expect(isStorageError(new Error('x'))).toBe(false);
  });
});
