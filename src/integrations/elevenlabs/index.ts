export * from './client';
export * from './errors';
export { parseRetryAfterMs, errorFromResponse } from './error-mapping';
export * from './outbound-call';
export * from './voice-clone-form';
export * from './webhook-signature';
export * from './postcall-payload';
