/**
 * The bucket and key of `s3://<bucket>/<key>` (a non-empty key), or undefined for anything else. No imports: used by
 * construct code and by the bundled handlers alike.
 */
export function parseS3Uri(uri: string | undefined): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri ?? '');
  return match ? { bucket: match[1], key: match[2] } : undefined;
}
