import { StoragePathRefusedError } from './errors';

// Percent-encoded '.', '/' and '\': a real sample key never needs them, and they are the usual way
// to smuggle `..` past a check that happens before some later layer decodes.
const ENCODED_TRAVERSAL = /%(2e|2f|5c)/i;

/**
 * Splits a relative location into its segments, refusing anything that could climb out of the
 * place it is joined onto. Leading and repeated slashes are ignored.
 */
export function safeRelativeSegments(input: string): string[] {
  if (input.includes('\0')) {
    throw new StoragePathRefusedError(input, 'invalid', 'contains a NUL byte');
  }
  if (input.includes('\\')) {
    throw new StoragePathRefusedError(input, 'invalid', 'contains a backslash');
  }
  if (ENCODED_TRAVERSAL.test(input)) {
    throw new StoragePathRefusedError(input, 'traversal', 'contains a percent-encoded dot, slash or backslash');
  }
  const segments = input.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) {
    throw new StoragePathRefusedError(input, 'traversal', "contains a '.' or '..' segment");
  }
  if (segments.length === 0) {
    throw new StoragePathRefusedError(input, 'invalid', 'is empty');
  }
  return segments;
}
