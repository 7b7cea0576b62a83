import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { safeRelativeSegments } from './keys';
import { voiceSampleTooLargeError } from './audio-validation';
import {
  errorMessage,
  isAbortError,
  isStorageError,
  StoragePathRefusedError,
  StorageRequestError,
  StorageUnavailableError,
  VoiceSampleNotFoundError,
} from './errors';
import type { DownloadedSample, DownloadOptions, UploadInput, VoiceSampleStore } from './voice-sample-store';

const errnoCode = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;

const isInside = (root: string, candidate: string, allowRoot = false): boolean => {
  const rel = path.relative(root, candidate);
  if (rel === '') return allowRoot;
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
};

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Voice samples as files under one root directory (LOCAL_VOICE_SAMPLES_PATH).
 *
 * Accepts a path relative to the root, an absolute path inside the root, or a `file://` URL inside
 * the root. `.`/`..` segments, percent-encoded dots and slashes, other URL schemes, and anything
 * that resolves outside the root (lexically or through symlinks) are refused with
 * StoragePathRefusedError before any read, write or delete. Uploads return a `file://` URL.
 */
export class LocalVoiceSampleStore implements VoiceSampleStore {
  readonly rootDir: string;
  private realRoot: string | undefined;

  constructor(rootDir: string) {
    if (rootDir.trim() === '') throw new TypeError('LocalVoiceSampleStore needs a root directory');
    this.rootDir = path.resolve(rootDir);
  }

  async download(url: string, opts: DownloadOptions = {}): Promise<DownloadedSample> {
    const target = await this.resolve(url, false);
    if (target === undefined) throw new VoiceSampleNotFoundError(url, 'storage root does not exist');
    try {
      const stat = await fs.stat(target.real);
      if (!stat.isFile()) throw new VoiceSampleNotFoundError(url, 'not a regular file');
      if (opts.maxBytes !== undefined && stat.size > opts.maxBytes) throw voiceSampleTooLargeError(stat.size, opts.maxBytes);
      const bytes = await fs.readFile(target.real, { signal: opts.signal });
      if (opts.maxBytes !== undefined && bytes.length > opts.maxBytes) throw voiceSampleTooLargeError(bytes.length, opts.maxBytes);
      return { bytes };
    } catch (err) {
      throw this.mapFsError(err, 'read', url);
    }
  }

  async upload(input: UploadInput): Promise<string> {
    const relative = safeRelativeSegments(input.key).join('/');
    const target = await this.resolve(relative, true);
    if (target === undefined) throw new StorageUnavailableError(`Local storage root ${this.rootDir} could not be created`);
    const dir = path.dirname(target.lexical);
    try {
      await fs.mkdir(dir, { recursive: true });
      // The directories just created may have raced with a symlink swap; check again where the file lands.
      this.assertRealInside(relative, await fs.realpath(dir), true);
      // Write then rename: readers never see a partial file, and an existing symlink at the
      // target is replaced rather than followed.
      const tmp = path.join(dir, `.${path.basename(target.lexical)}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        await fs.writeFile(tmp, input.bytes, { flag: 'wx' });
        await fs.rename(tmp, target.lexical);
      } catch (err) {
        await fs.rm(tmp, { force: true });
        throw err;
      }
    } catch (err) {
      throw this.mapFsError(err, 'write', input.key);
    }
    return pathToFileURL(target.lexical).href;
  }

  /** Idempotent: a file that is already gone (or a root that does not exist) is not an error. */
  async delete(url: string): Promise<void> {
    const target = await this.resolve(url, false);
    if (target === undefined) return;
    try {
      const stat = await fs.lstat(target.lexical);
      if (stat.isDirectory()) throw new StorageRequestError(`Refusing to delete ${url}: it is a directory`, { code: 'EISDIR' });
      await fs.unlink(target.lexical);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw this.mapFsError(err, 'delete', url);
    }
  }

  /**
   * Maps `input` to a path inside the root. Returns undefined when the root does not exist and
   * `createRoot` is false (so nothing can be found there).
   */
  private async resolve(input: string, createRoot: boolean): Promise<{ lexical: string; real: string } | undefined> {
    const lexical = this.lexicalPath(input);
    const realRoot = await this.getRealRoot(createRoot);
    if (!isInside(this.rootDir, lexical) && !(realRoot !== undefined && isInside(realRoot, lexical))) {
      throw new StoragePathRefusedError(input, 'outside_root', `not inside the storage root ${this.rootDir}`);
    }
    if (realRoot === undefined) return undefined;
    const real = await this.realpathAllowingMissing(lexical);
    this.assertRealInside(input, real);
    return { lexical, real };
  }

  private lexicalPath(input: string): string {
    if (input === '') throw new StoragePathRefusedError(input, 'invalid', 'is empty');
    if (SCHEME.test(input)) {
      if (!/^file:/i.test(input)) {
        throw new StoragePathRefusedError(input, 'invalid', 'only relative paths, absolute paths and file:// URLs are accepted');
      }
      let decoded: string;
      try {
        decoded = fileURLToPath(input);
      } catch (err) {
        // Node refuses encoded '/' and remote hosts in file URLs.
        const detail = errorMessage(err);
        const reason = /encoded/i.test(detail) ? 'traversal' : 'invalid';
        throw new StoragePathRefusedError(input, reason, detail);
      }
      if (decoded.includes('\0')) throw new StoragePathRefusedError(input, 'invalid', 'contains a NUL byte');
      // The URL parser already resolved `.`/`..` (including %2e forms); containment is checked by the caller.
      return path.resolve(decoded);
    }
    const segments = safeRelativeSegments(input);
    return path.isAbsolute(input) ? path.resolve('/', ...segments) : path.resolve(this.rootDir, ...segments);
  }

  private async getRealRoot(create: boolean): Promise<string | undefined> {
    if (this.realRoot !== undefined) return this.realRoot;
    try {
      if (create) await fs.mkdir(this.rootDir, { recursive: true });
      this.realRoot = await fs.realpath(this.rootDir);
      return this.realRoot;
    } catch (err) {
      if (!create && errnoCode(err) === 'ENOENT') return undefined;
      throw this.mapFsError(err, 'open root', this.rootDir);
    }
  }

  /** realpath of the deepest existing ancestor, with the missing tail appended. */
  private async realpathAllowingMissing(p: string): Promise<string> {
    let existing = p;
    const tail: string[] = [];
    for (;;) {
      try {
        return path.join(await fs.realpath(existing), ...tail);
      } catch (err) {
        const code = errnoCode(err);
        const parent = path.dirname(existing);
        if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === existing) throw this.mapFsError(err, 'resolve', p);
        tail.unshift(path.basename(existing));
        existing = parent;
      }
    }
  }

  private assertRealInside(input: string, real: string, allowRoot = false): void {
    if (this.realRoot === undefined || !isInside(this.realRoot, real, allowRoot)) {
      throw new StoragePathRefusedError(input, 'outside_root', 'resolves (through a symlink) outside the storage root');
    }
  }

  private mapFsError(err: unknown, operation: string, url: string): unknown {
    if (isStorageError(err) || isAbortError(err)) return err;
    const code = errnoCode(err);
    const message = `Local storage ${operation} ${url} failed${code ? ` (${code})` : ''}`;
    switch (code) {
      case 'ENOENT':
      case 'ENOTDIR':
        return new VoiceSampleNotFoundError(url, undefined, { cause: err });
      case 'EISDIR':
        return new VoiceSampleNotFoundError(url, 'not a regular file', { cause: err });
      case 'EACCES':
      case 'EPERM':
      case 'EROFS':
      case 'ELOOP':
      case 'ENAMETOOLONG':
        return new StorageRequestError(message, { code, cause: err });
      case undefined:
        return err;
      default:
        // EIO, EMFILE, ENFILE, ENOSPC, EBUSY, ...: conditions that can clear up.
        return new StorageUnavailableError(message, { code, cause: err });
    }
  }
}
