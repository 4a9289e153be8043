import { S3Operations, isNoSuchUpload } from './s3-operations';

/** How many times an upload is aborted before giving up (S3 may keep a part whose upload was still running). */
const MAX_ABORT_ROUNDS = 5;

/**
 * Aborts a multipart upload until S3 holds none of its parts. S3's AbortMultipartUpload documentation: a part
 * upload in progress when the abort is sent may still succeed afterwards, so "it might be necessary to abort a given
 * multipart upload multiple times"; ListParts shows whether parts remain. Not bound to any abort signal (this is the
 * cleanup); never throws. Returns true when S3 confirmed that nothing remains.
 */
export async function abortUploadCompletely(
  ops: S3Operations,
  upload: { readonly Bucket: string; readonly Key: string; readonly UploadId: string },
  log: (message: string) => void = () => undefined,
): Promise<boolean> {
  for (let round = 1; round <= MAX_ABORT_ROUNDS; round++) {
    try {
      await ops.abortMultipartUpload(upload);
    } catch (error) {
      if (!isNoSuchUpload(error)) {
        log(`could not abort multipart upload ${upload.UploadId}: ${(error as Error).message}`);
        return false;
      }
    }
    let remaining: number;
    try {
      remaining = (await ops.listParts(upload)).Parts?.length ?? 0;
    } catch (error) {
      if (isNoSuchUpload(error)) return true;
      log(`could not list the parts of aborted upload ${upload.UploadId}: ${(error as Error).message}`);
      return false;
    }
    if (remaining === 0) return true;
    log(`multipart upload ${upload.UploadId} still holds ${remaining} parts after abort ${round}: aborting again`);
  }
  log(`multipart upload ${upload.UploadId} still holds parts after ${MAX_ABORT_ROUNDS} aborts; the bucket's lifecycle rule removes them`);
  return false;
}
