import { LocalVoiceSampleStore } from './local-store';
import { S3VoiceSampleStore, type S3StoreOptions } from './s3-store';
import { StorageRequestError } from './errors';
import type { DownloadedSample, DownloadOptions, UploadInput, VoiceSampleStore } from './voice-sample-store';

export interface StorageConfig {
  /** Backend that uploads go to. */
  kind: 's3' | 'local';
  s3?: S3StoreOptions;
  /** LOCAL_VOICE_SAMPLES_PATH. */
  localPath?: string;
}

const isS3Url = (url: string): boolean => /^s3:\/\//i.test(url);

/**
 * Holds an S3 and/or a local store. Downloads and deletes go by the URL (`s3://` to S3, anything
 * else to the local store), so samples registered in either place stay readable whichever backend
 * takes uploads. A URL for a backend that is not configured fails with a non-retryable
 * StorageRequestError (code BACKEND_NOT_CONFIGURED).
 */
export class RoutingVoiceSampleStore implements VoiceSampleStore {
  constructor(
    readonly uploadTarget: 's3' | 'local',
    readonly s3: S3VoiceSampleStore | undefined,
    readonly local: LocalVoiceSampleStore | undefined,
  ) {
    if (!this.backend(uploadTarget)) throw new TypeError(`Storage kind '${uploadTarget}' has no configuration`);
  }

  async download(url: string, opts?: DownloadOptions): Promise<DownloadedSample> {
    return this.forUrl(url).download(url, opts);
  }

  async upload(input: UploadInput): Promise<string> {
    return this.forKind(this.uploadTarget, input.key).upload(input);
  }

  async delete(url: string): Promise<void> {
    return this.forUrl(url).delete(url);
  }

  destroy(): void {
    this.s3?.destroy();
  }

  private backend(kind: 's3' | 'local'): VoiceSampleStore | undefined {
    return kind === 's3' ? this.s3 : this.local;
  }

  private forUrl(url: string): VoiceSampleStore {
    return this.forKind(isS3Url(url) ? 's3' : 'local', url);
  }

  private forKind(kind: 's3' | 'local', url: string): VoiceSampleStore {
    const store = this.backend(kind);
    if (!store) {
      throw new StorageRequestError(
        `Cannot access ${url}: ${kind === 's3' ? 'S3 storage' : 'local storage (LOCAL_VOICE_SAMPLES_PATH)'} is not configured`,
        { code: 'BACKEND_NOT_CONFIGURED' },
      );
    }
    return store;
  }
}

/** Builds the store from configuration; every backend that has settings is available for downloads. */
export function createVoiceSampleStore(config: StorageConfig): RoutingVoiceSampleStore {
  if (config.kind === 's3' && !config.s3) throw new TypeError("Storage kind 's3' needs s3 settings");
  if (config.kind === 'local' && !config.localPath) throw new TypeError("Storage kind 'local' needs localPath");
  const s3 = config.s3 ? new S3VoiceSampleStore(config.s3) : undefined;
  const local = config.localPath ? new LocalVoiceSampleStore(config.localPath) : undefined;
  return new RoutingVoiceSampleStore(config.kind, s3, local);
}
