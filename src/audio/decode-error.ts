/** The bytes are not audio this service can decode (unsupported container or encoding, or corrupt). */
export class AudioDecodeError extends Error {
  override readonly name = 'AudioDecodeError';
}
