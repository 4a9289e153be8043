import { UploadPartCopyCommandInput } from '@aws-sdk/client-s3';
import { S3Operations } from '../../../lib/packaging/runtime/s3-operations';

/**
 * s3rver has no UploadPartCopy. This wrapper gives it one, built from the server's own ranged GET and
 * UploadPart, and checks what S3 checks (the copy source exists, the range is inside it, the If-Match ETag is
 * current), so the executor's copy path runs against a real server and its request parameters can be asserted.
 * It proves the requests, not S3's server-side copy itself.
 */
export function withEmulatedUploadPartCopy(ops: S3Operations, calls: UploadPartCopyCommandInput[] = []): S3Operations {
  return {
    ...ops,
    async uploadPartCopy(input, options) {
      calls.push(input);
      const slash = input.CopySource!.indexOf('/');
      const bucket = decodeURIComponent(input.CopySource!.slice(0, slash));
      const key = input.CopySource!.slice(slash + 1).split('/').map(decodeURIComponent).join('/');
      const range = /^bytes=(\d+)-(\d+)$/.exec(input.CopySourceRange ?? '');
      if (!range) throw Object.assign(new Error('InvalidArgument: CopySourceRange'), { name: 'InvalidArgument' });
      const head = await ops.headObject({ Bucket: bucket, Key: key }, options);
      if (input.CopySourceIfMatch !== undefined && input.CopySourceIfMatch !== head.ETag) {
        throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
          name: 'PreconditionFailed',
          $metadata: { httpStatusCode: 412 },
        });
      }
      const start = Number(range[1]);
      const end = Number(range[2]) + 1;
      if (end > head.ContentLength! || end - start > 5 * 1024 ** 3) {
        throw Object.assign(new Error('InvalidRange'), { name: 'InvalidRange', $metadata: { httpStatusCode: 416 } });
      }
      const got = await ops.getObject({ Bucket: bucket, Key: key, Range: input.CopySourceRange }, options);
      const bytes = await got.Body!.transformToByteArray();
      const part = await ops.uploadPart(
        { Bucket: input.Bucket, Key: input.Key, UploadId: input.UploadId, PartNumber: input.PartNumber, Body: bytes, ContentLength: bytes.length },
        options,
      );
      return { CopyPartResult: { ETag: part.ETag }, $metadata: {} };
    },
  };
}
