import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { safeRelativeSegments } from './keys';
import { voiceSampleTooLargeError } from './audio-validation';
import {
  isAbortError,
  isStorageError,
  StoragePathRefusedError,
  StorageRequestError,
  StorageUnavailableError,
  VoiceSampleNotFoundError,
} from './errors';
import type { DownloadedSample, DownloadOptions, UploadInput, VoiceSampleStore } from './voice-sample-store';

export interface S3StoreOptions {
  /** S3_BUCKET_NAME: uploads go there, and downloads and deletes touch nothing else. */
  bucket: string;
  region: string;
  /** For S3-compatible stores (MinIO, Ceph, R2, ...), e.g. `http://127.0.0.1:9000`. */
  endpoint?: string;
  /** Defaults to true when `endpoint` is set (most S3-compatible stores want path-style), else false. */
  forcePathStyle?: boolean;
  /** Both or neither; without them the SDK's default credential chain is used. */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Key prefix for uploads, e.g. `voice-samples/`. */
  prefix?: string;
  /** SDK attempts per call (default 3). Temporal retries on top of this, so keep it small. */
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  /** Socket idle timeout per request. */
  requestTimeoutMs?: number;
}

export interface S3Location {
  bucket: string;
  key: string;
}

const BUCKET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/;

/**
 * Parses `s3://bucket/key`. The key is taken literally (not percent-decoded). `.`/`..` segments
 * are refused: with path-style addressing an HTTP layer may normalise them into another bucket.
 */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]*)\/(.*)$/is.exec(url);
  if (!match) throw new StoragePathRefusedError(url, 'invalid', 'expected s3://bucket/key');
  const bucket = match[1] ?? '';
  const key = match[2] ?? '';
  if (!BUCKET_NAME.test(bucket)) throw new StoragePathRefusedError(url, 'invalid', `invalid bucket name ${JSON.stringify(bucket)}`);
  if (key === '') throw new StoragePathRefusedError(url, 'invalid', 'the object key is empty');
  if (key.includes('\0')) throw new StoragePathRefusedError(url, 'invalid', 'the object key contains a NUL byte');
  if (key.split('/').some((s) => s === '.' || s === '..')) {
    throw new StoragePathRefusedError(url, 'traversal', "the object key contains a '.' or '..' segment");
  }
  return { bucket, key };
}

export const formatS3Url = ({ bucket, key }: S3Location): string => `s3://${bucket}/${key}`;

const NOT_FOUND_CODES = new Set(['NoSuchKey', 'NotFound', 'NoSuchBucket']);
const RETRYABLE_CODES = new Set([
  'SlowDown',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'TimeoutError',
  'RequestTimeoutException',
]);
const NETWORK_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** Turns an SDK / network failure into one of the storage errors; unrelated errors pass through. */
function toStorageError(err: unknown, operation: string, url: string): unknown {
  if (typeof err !== 'object' || err === null || isStorageError(err)) return err;
  const e = err as SdkErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const code = e.Code ?? e.code ?? (e.name !== 'Error' ? e.name : undefined);
  const what = `S3 ${operation} ${url} failed${status ? ` with HTTP ${status}` : ''}${code ? ` (${code})` : ''}`;
  if (code === 'CredentialsProviderError') {
    return new StorageRequestError(`${what}: no S3 credentials could be loaded`, { code, cause: err });
  }
  if ((code && NOT_FOUND_CODES.has(code)) || status === 404) {
    return new VoiceSampleNotFoundError(url, code ?? 'HTTP 404', { cause: err });
  }
  if ((status !== undefined && (status >= 500 || status === 429)) || (code && (RETRYABLE_CODES.has(code) || NETWORK_ERRNO.has(code)))) {
    return new StorageUnavailableError(what, { code, statusCode: status, cause: err });
  }
  if (status !== undefined && status >= 400) {
    return new StorageRequestError(what, { code, statusCode: status, cause: err });
  }
  // The SDK attaches $metadata to every error it rethrows; without an HTTP status there was no
  // response at all (refused, reset, timed out). Under Jest the errno code can be lost, because the
  // SDK re-wraps errors from another realm, so the code alone is not enough to decide.
  if (e.$metadata !== undefined) {
    return new StorageUnavailableError(`${what}: ${e.message ?? 'no response'}`, { code, cause: err });
  }
  return err;
}

export class S3VoiceSampleStore implements VoiceSampleStore {
  readonly bucket: string;
  readonly prefixSegments: readonly string[];
  readonly client: S3Client;

  constructor(options: S3StoreOptions) {
    if (!BUCKET_NAME.test(options.bucket)) throw new TypeError(`Invalid S3 bucket name ${JSON.stringify(options.bucket)}`);
    if ((options.accessKeyId === undefined) !== (options.secretAccessKey === undefined)) {
      throw new TypeError('S3 accessKeyId and secretAccessKey must be given together');
    }
    this.bucket = options.bucket;
    this.prefixSegments = options.prefix && options.prefix.replace(/\/+/g, '') !== '' ? safeRelativeSegments(options.prefix) : [];
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      credentials:
        options.accessKeyId !== undefined && options.secretAccessKey !== undefined
          ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey, sessionToken: options.sessionToken }
          : undefined,
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 5_000,
        requestTimeout: options.requestTimeoutMs ?? 30_000,
      },
      // Since 3.729 the SDK adds CRC32 checksums (aws-chunked bodies for streams) and asks for
      // checksum validation on every call. Many S3-compatible stores, s3rver among them, do not
      // implement that protocol; only send checksums where the S3 API requires them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async download(url: string, opts: DownloadOptions = {}): Promise<DownloadedSample> {
    const { bucket, key } = this.locate(url);
    const { signal, maxBytes } = opts;
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
      if (!res.Body) throw new StorageUnavailableError(`S3 download ${url} returned no body`);
      if (maxBytes !== undefined && res.ContentLength !== undefined && res.ContentLength > maxBytes) {
        // Drop the connection instead of draining a body we will not use.
        (res.Body as { destroy?: () => void }).destroy?.();
        throw voiceSampleTooLargeError(res.ContentLength, maxBytes);
      }
      const bytes = Buffer.from(await res.Body.transformToByteArray());
      if (maxBytes !== undefined && bytes.length > maxBytes) throw voiceSampleTooLargeError(bytes.length, maxBytes);
      return res.ContentType === undefined ? { bytes } : { bytes, contentType: res.ContentType };
    } catch (err) {
      if (signal?.aborted === true || isAbortError(err)) throw err;
      throw toStorageError(err, 'download', url);
    }
  }

  async upload(input: UploadInput): Promise<string> {
    const key = [...this.prefixSegments, ...safeRelativeSegments(input.key)].join('/');
    const url = formatS3Url({ bucket: this.bucket, key });
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: input.bytes, ContentType: input.contentType }),
      );
    } catch (err) {
      throw toStorageError(err, 'upload', url);
    }
    return url;
  }

  /** S3 semantics: deleting a missing key succeeds; a missing bucket is also treated as already gone. */
  async delete(url: string): Promise<void> {
    const { bucket, key } = this.locate(url);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (err) {
      const mapped = toStorageError(err, 'delete', url);
      if (mapped instanceof VoiceSampleNotFoundError) return;
      throw mapped;
    }
  }

  /**
   * Our credentials may read more than our bucket; a registered `voice_sample_url` must not make
   * them fetch (and send to ElevenLabs) or delete whatever else they can reach.
   */
  private locate(url: string): S3Location {
    const location = parseS3Url(url);
    if (location.bucket !== this.bucket) {
      throw new StoragePathRefusedError(url, 'outside_root', `only objects in the bucket ${JSON.stringify(this.bucket)} (S3_BUCKET_NAME) are used`);
    }
    return location;
  }

  /** Closes the client's pooled sockets. */
  destroy(): void {
    this.client.destroy();
  }
}
