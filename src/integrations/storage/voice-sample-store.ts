/**
 * Where registered voice samples live.
 *
 * URL forms:
 * - S3: `s3://bucket/key`. The key is everything after the first `/` following the bucket, taken
 *   literally (no percent-decoding, as the AWS CLI does). Uploads return this form.
 * - Local: a path relative to the store root, an absolute path inside the root, or a
 *   `file://` URL inside the root. Uploads return a `file://` URL (absolute, percent-encoded).
 */
export interface DownloadOptions {
  signal?: AbortSignal;
  /**
   * Refuse (VoiceSampleRejectedError 'too_large') anything bigger than this, checked against the
   * object/file size before the bytes are read, so an oversized sample is never held in memory.
   */
  maxBytes?: number;
}

export interface DownloadedSample {
  bytes: Buffer;
  /** As stored with the object (S3); undefined for local files. Never trusted for validation. */
  contentType?: string;
}

export interface UploadInput {
  /** Relative key such as `callers/123/sample.mp3`; no `.`/`..` segments, no leading `/` needed. */
  key: string;
  bytes: Buffer;
  /** Stored as the object's Content-Type on S3; the local store keeps only the bytes. */
  contentType?: string;
}

export interface VoiceSampleStore {
  download(url: string, opts?: DownloadOptions): Promise<DownloadedSample>;
  /** Stores the bytes and returns the URL to download them from later. Overwrites an existing key. */
  upload(input: UploadInput): Promise<string>;
  /** Idempotent: deleting something that is already gone succeeds. */
  delete(url: string): Promise<void>;
}
