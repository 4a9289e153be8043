import { ForeignObjectError, WriterIdentity, headOrUndefined, ownershipMetadata, writerOf } from './ownership';
import { S3Operations, httpStatusOf, isPreconditionFailed } from './s3-operations';

/**
 * Writes a content directory's manifest, the last object of a write and its commit point: once it exists, the
 * directory is complete and other invocations report it. Created only where no object exists (`If-None-Match: *`),
 * with the writer in its metadata, and not bound to the deadline's abort signal: a request the client gives up on may
 * still be carried out by S3, so its outcome would be unknown.
 *
 * `state.sent` is true from the moment the request is sent, and false again when S3 refused it with an HTTP status
 * (then it is certainly not stored: the SDK retries, and a retry of a write S3 had carried out gets 412, which is
 * recognised here as this writer's own). A network failure leaves it true: the manifest may exist.
 */
export async function writeManifest(
  ops: S3Operations,
  location: { readonly bucket: string; readonly key: string },
  manifest: unknown,
  identity: WriterIdentity,
  state: { sent: boolean },
): Promise<void> {
  const body = Buffer.from(JSON.stringify(manifest, null, 2));
  state.sent = true;
  try {
    await ops.putObject({
      Bucket: location.bucket,
      Key: location.key,
      Body: body,
      ContentLength: body.length,
      ContentType: 'application/json',
      Metadata: ownershipMetadata(identity),
      IfNoneMatch: '*',
    });
  } catch (error) {
    if (isPreconditionFailed(error)) {
      const head = await headOrUndefined(ops, location.bucket, location.key);
      if (head && writerOf(head.metadata)?.writer === identity.writer) return;
      state.sent = false;
      throw new ForeignObjectError(location.bucket, location.key, head?.metadata);
    }
    if (httpStatusOf(error) !== undefined) state.sent = false;
    throw error;
  }
}
