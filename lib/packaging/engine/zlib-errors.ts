/** Turns native zlib errors into one-line {@link InjectionError}s that say what is wrong with the input. */
import { InjectionError } from './types';

export function gunzipError(err: unknown, bytesRead: number): Error {
  if (err instanceof InjectionError) return err;
  const e = err as NodeJS.ErrnoException;
  const message = String(e?.message ?? err);
  if (message.includes('incorrect data check')) {
    return new InjectionError('corrupt gzip data: CRC-32 mismatch (the trailer does not match the content)', 'CRC_MISMATCH');
  }
  if (message.includes('incorrect length check')) {
    return new InjectionError('corrupt gzip data: ISIZE mismatch (the trailer length does not match the content)', 'CRC_MISMATCH');
  }
  if (message.includes('unexpected end of file')) {
    return new InjectionError(`truncated gzip data: the input ends inside a gzip member (after ${bytesRead} bytes)`, 'TRUNCATED');
  }
  if (message.includes('incorrect header check') || message.includes('unknown compression method')) {
    return new InjectionError('not a gzip stream: bad gzip header (or garbage after the last gzip member)', 'NOT_GZIP_OR_TAR');
  }
  if (e?.code && String(e.code).startsWith('Z_')) {
    return new InjectionError(`corrupt gzip data: ${message}`, 'CORRUPT_DATA');
  }
  return err instanceof Error ? err : new Error(message);
}

export function trailingBytesError(extra: number): InjectionError {
  return new InjectionError(`not a clean gzip file: ${extra} unexpected byte(s) after the last gzip member`, 'NOT_GZIP_OR_TAR');
}
