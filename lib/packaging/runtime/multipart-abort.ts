import { S3Operations, describeS3Error, isNoSuchUpload, s3Uri } from './s3-operations';

/** How many times an upload is aborted before giving up (S3 may keep a part whose upload was still running). */
const MAX_ABORT_ROUNDS = 5;

/**
 * Aborts a multipart upload until S3 holds none of its parts. S3's AbortMultipartUpload documentation: a part
 * upload in progress when the abort is sent may still succeed afterwards, so "it might be necessary to abort a given
 * multipart upload multiple times"; ListParts shows whether parts remain. Not bound to any abort signal (this is the
 * cleanup); never throws. Resolves to undefined when S3 confirmed that nothing remains, otherwise to a sentence for
 * the FAILED reason that names the upload, why it is still open, and what to do.
 */
export async function abortUploadCompletely(
  ops: S3Operations,
  upload: { readonly Bucket: string; readonly Key: string; readonly UploadId: string },
  log: (message: string) => void = () => undefined,
): Promise<string | undefined> {
  const leftOpen = (why: string) => {
    const problem = `multipart upload ${upload.UploadId} of ${s3Uri(upload.Bucket, upload.Key)} is still open (${why}): its parts are billed until ` +
      `it is aborted (aws s3api abort-multipart-upload --bucket ${upload.Bucket} --key ${upload.Key} --upload-id ${upload.UploadId}) ` +
      'or the bucket\'s AbortIncompleteMultipartUpload lifecycle rule removes it';
    log(problem);
    return problem;
  };
  for (let round = 1; round <= MAX_ABORT_ROUNDS; round++) {
    try {
      await ops.abortMultipartUpload(upload);
    } catch (error) {
      if (!isNoSuchUpload(error)) return leftOpen(`AbortMultipartUpload failed: ${describeS3Error(error)}`);
    }
    let remaining: number;
    try {
      remaining = (await ops.listParts(upload)).Parts?.length ?? 0;
    } catch (error) {
      if (isNoSuchUpload(error)) return undefined;
      return leftOpen(`ListParts after the abort failed: ${describeS3Error(error)}`);
    }
    if (remaining === 0) return undefined;
    log(`multipart upload ${upload.UploadId} still holds ${remaining} parts after abort ${round}: aborting again`);
  }
  return leftOpen(`it still held parts after ${MAX_ABORT_ROUNDS} aborts`);
}

/** `error` with `problems` (e.g. an upload left open) added to its message, which becomes the FAILED reason. */
export function withCleanupProblems(error: unknown, problems: readonly string[]): unknown {
  if (problems.length === 0) return error;
  const note = `; and ${problems.join('; and ')}`;
  if (error instanceof Error) {
    error.message += note;
    return error;
  }
  return new Error(`${String(error)}${note}`);
}
