import { S3Operations } from '../../../lib/packaging/runtime/s3-operations';

/**
 * S3's behaviour that no local server shows on demand: an UploadPartCopy that was sent runs to its end on the server,
 * whatever the client does (an abort signal only stops the client from waiting). The wrapper holds the first
 * `holdCopies` copies until the work is abandoned (it aborts `deadline` once they are all sent, as a deadline
 * would), then lets them run on the real server; it records how many copies were still running on the server when
 * each AbortMultipartUpload was sent.
 */
export function gatedCopies(ops: S3Operations, holdCopies: number, deadline: AbortController) {
  const timeline: string[] = [];
  let running = 0;
  let sent = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  deadline.signal.addEventListener('abort', () => setImmediate(release), { once: true });
  const wrapped: S3Operations = {
    ...ops,
    uploadPartCopy: (input, options) => {
      running++;
      if (++sent === holdCopies) deadline.abort(new Error('the deadline passed'));
      const server = (sent <= holdCopies ? gate : Promise.resolve()).then(() => ops.uploadPartCopy(input));
      server.then(() => running--, () => running--);
      const signal = options?.abortSignal;
      if (!signal) return server;
      return new Promise((resolve, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        server.then(resolve, reject);
      });
    },
    abortMultipartUpload: (input, options) => {
      timeline.push(`abort with ${running} copies running`);
      return ops.abortMultipartUpload(input, options);
    },
  };
  return { ops: wrapped, timeline };
}
