import { mkdir, readFile, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LocalVoiceSampleStore } from '../../../src/integrations/storage/local-store';
import {
  StoragePathRefusedError,
  VoiceSampleNotFoundError,
  VoiceSampleRejectedError,
} from '../../../src/integrations/storage/errors';
import { makeWav } from '../../../scripts/sine-wav';
import { makeTempDir, removeDir } from '../../support/storage';

describe('LocalVoiceSampleStore', () => {
  let base: string;
  let root: string;
  let outside: string;
  let store: LocalVoiceSampleStore;
  const wav = makeWav(0.5);

  beforeEach(async () => {
    base = await makeTempDir('local-store');
    root = path.join(base, 'samples');
    outside = path.join(base, 'outside');
    await mkdir(outside);
    await writeFile(path.join(outside, 'secret.wav'), 'secret');
    store = new LocalVoiceSampleStore(root);
  });

  afterEach(() => removeDir(base));

  it('round-trips upload, download (URL, relative and absolute forms) and delete', async () => {
    const url = await store.upload({ key: 'callers/42/sample.wav', bytes: wav, contentType: 'audio/wav' });
    const file = path.join(root, 'callers/42/sample.wav');
    expect(url).toBe(pathToFileURL(file).href);
    expect(await readFile(file)).toEqual(wav);

    for (const location of [url, 'callers/42/sample.wav', '/callers/42/sample.wav'.slice(1), file]) {
      const { bytes, contentType } = await store.download(location);
      expect(bytes.equals(wav)).toBe(true);
      expect(contentType).toBeUndefined();
    }

    await store.delete(url);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(store.download(url)).rejects.toBeInstanceOf(VoiceSampleNotFoundError);
    await expect(store.delete(url)).resolves.toBeUndefined();
  });

  it('overwrites an existing key atomically, leaving no temp files', async () => {
    await store.upload({ key: 'a.wav', bytes: Buffer.from('first') });
    await store.upload({ key: 'a.wav', bytes: wav });
    expect((await store.download('a.wav')).bytes.equals(wav)).toBe(true);
    expect(await readdir(root)).toEqual(['a.wav']);
  });

  it('handles names that need percent-encoding in the returned file URL', async () => {
    const url = await store.upload({ key: 'caller 1/voix é #1.wav', bytes: wav });
    expect(url).toContain('caller%201/');
    expect((await store.download(url)).bytes.equals(wav)).toBe(true);
    expect((await store.download('caller 1/voix é #1.wav')).bytes.equals(wav)).toBe(true);
  });

  it('reports a missing file, a missing root and a directory as VoiceSampleNotFoundError', async () => {
    const missingRoot = new LocalVoiceSampleStore(path.join(base, 'never-created'));
    await expect(missingRoot.download('x.wav')).rejects.toBeInstanceOf(VoiceSampleNotFoundError);
    await expect(missingRoot.delete('x.wav')).resolves.toBeUndefined();

    await store.upload({ key: 'dir/a.wav', bytes: wav });
    const missing = await store.download('dir/nope.wav').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(VoiceSampleNotFoundError);
    expect(missing).toMatchObject({ name: 'VoiceSampleNotFoundError', retryable: false, url: 'dir/nope.wav' });
    await expect(store.download('dir/a.wav/child.wav')).rejects.toBeInstanceOf(VoiceSampleNotFoundError);
    await expect(store.download('dir')).rejects.toBeInstanceOf(VoiceSampleNotFoundError);
  });

  describe('refuses locations outside the root', () => {
    const refused = async (
      op: Promise<unknown>,
      reason: StoragePathRefusedError['reason'],
    ): Promise<void> => {
      const err = await op.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoragePathRefusedError);
      expect(err).toMatchObject({ name: 'StoragePathRefusedError', retryable: false, reason });
    };

    it.each([
      ['../x', 'traversal'],
      ['../outside/secret.wav', 'traversal'],
      ['a/../../outside/secret.wav', 'traversal'],
      ['./a.wav', 'traversal'],
      ['..%2foutside%2fsecret.wav', 'traversal'],
      ['%2E%2E/outside/secret.wav', 'traversal'],
      ['..\\outside\\secret.wav', 'invalid'],
      ['/etc/passwd', 'outside_root'],
      ['file:///etc/passwd', 'outside_root'],
      ['http://127.0.0.1/secret.wav', 'invalid'],
      ['s3://bucket/key.wav', 'invalid'],
      ['', 'invalid'],
      ['a\0.wav', 'invalid'],
    ] as const)('%j → %s', async (input, reason) => {
      await refused(store.download(input), reason);
      await refused(store.delete(input), reason);
    });

    it('refuses absolute paths and file URLs that climb out of the root', async () => {
      await refused(store.download(path.join(outside, 'secret.wav')), 'outside_root');
      await refused(store.download(`${root}/../outside/secret.wav`), 'traversal');
      await refused(store.download(pathToFileURL(path.join(outside, 'secret.wav')).href), 'outside_root');
      await refused(store.download(`${pathToFileURL(root).href}/%2e%2e/outside/secret.wav`), 'outside_root');
      await refused(store.download(`${pathToFileURL(root).href}/..%2f..%2fetc%2fpasswd`), 'traversal');
      await refused(store.download(root), 'outside_root');
    });

    it('refuses upload keys that would leave the root', async () => {
      for (const key of ['../evil.wav', 'a/../../evil.wav', '..%2fevil.wav', '']) {
        await expect(store.upload({ key, bytes: wav })).rejects.toBeInstanceOf(StoragePathRefusedError);
      }
      expect(await readdir(base)).toEqual(expect.not.arrayContaining(['evil.wav']));
    });

    it('refuses a symlink to a file outside the root', async () => {
      await mkdir(root, { recursive: true });
      await symlink(path.join(outside, 'secret.wav'), path.join(root, 'escape.wav'));
      await symlink('/etc/passwd', path.join(root, 'passwd.wav'));
      await refused(store.download('escape.wav'), 'outside_root');
      await refused(store.download('passwd.wav'), 'outside_root');
      await refused(store.delete('escape.wav'), 'outside_root');
      expect(await readFile(path.join(outside, 'secret.wav'), 'utf8')).toBe('secret');
    });

    it('refuses reads and writes through a symlinked directory that leaves the root', async () => {
      await mkdir(root, { recursive: true });
      await symlink(outside, path.join(root, 'linkdir'));
      await refused(store.download('linkdir/secret.wav'), 'outside_root');
      await refused(store.upload({ key: 'linkdir/new.wav', bytes: wav }), 'outside_root');
      await refused(store.upload({ key: 'linkdir/deeper/new.wav', bytes: wav }), 'outside_root');
      expect((await readdir(outside)).sort()).toEqual(['secret.wav']);
    });
  });

  it('follows symlinks that stay inside the root, and works when the root itself is a symlink', async () => {
    await store.upload({ key: 'real/a.wav', bytes: wav });
    await symlink(path.join(root, 'real/a.wav'), path.join(root, 'alias.wav'));
    expect((await store.download('alias.wav')).bytes.equals(wav)).toBe(true);

    const linkedRoot = path.join(base, 'root-link');
    await symlink(root, linkedRoot);
    const viaLink = new LocalVoiceSampleStore(linkedRoot);
    const url = await viaLink.upload({ key: 'b.wav', bytes: wav });
    expect(url).toBe(pathToFileURL(path.join(linkedRoot, 'b.wav')).href);
    expect((await viaLink.download(url)).bytes.equals(wav)).toBe(true);
    expect((await viaLink.download(path.join(root, 'b.wav'))).bytes.equals(wav)).toBe(true);
  });

  it('refuses to read a file over maxBytes', async () => {
    await store.upload({ key: 'big.wav', bytes: wav });
    const err = await store.download('big.wav', { maxBytes: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VoiceSampleRejectedError);
    expect(err).toMatchObject({ reason: 'too_large', limit: 100, measured: wav.length });
    await expect(store.download('big.wav', { maxBytes: wav.length })).resolves.toBeDefined();
  });

  it('honours an abort signal', async () => {
    await store.upload({ key: 'a.wav', bytes: wav });
    await expect(store.download('a.wav', { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
