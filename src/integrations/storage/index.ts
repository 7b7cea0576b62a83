export * from './errors';
export * from './voice-sample-store';
export * from './audio-validation';
export * from './s3-store';
export * from './local-store';
export * from './create-store';
