// One deadline for every custom resource handler: work that runs past its budget is told to stop (an AbortSignal),
// given a moment to clean up (abort its multipart upload), and reported as failed, so that the handler still has the
// time to answer CloudFormation before Lambda's own timeout. Runtime code: bundled, not compiled by jsii.

/** The part of Lambda's context object the deadline reads. */
export interface LambdaTimeBudget {
  getRemainingTimeInMillis(): number;
}

/** Milliseconds of work a Lambda invocation may start, keeping `reserveMs` back to clean up and answer. */
export function workBudgetMs(context: LambdaTimeBudget, reserveMs: number): number {
  return Math.max(1_000, context.getRemainingTimeInMillis() - reserveMs);
}

export interface DeadlineOptions {
  /** Milliseconds after which the work is abandoned; undefined runs it without a deadline. */
  readonly timeoutMs?: number;
  /** The error the deadline raises, from the budget in whole seconds. */
  readonly timeoutError: (seconds: number) => Error;
  /**
   * Milliseconds the abandoned work gets to settle (clean up) before the deadline's error is raised; 0 for work that
   * has nothing to clean up. @default 10000
   */
  readonly graceMs?: number;
}

/**
 * Runs `work` with an AbortSignal that is aborted when the deadline passes. Resolves with the work's result, or
 * rejects with its error, or (past the deadline) with `timeoutError` once the work has settled or the grace period
 * has run out, whichever comes first.
 */
export async function runWithDeadline<T>(work: (signal: AbortSignal) => Promise<T>, options: DeadlineOptions): Promise<T> {
  const controller = new AbortController();
  const running = work(controller.signal);
  if (options.timeoutMs === undefined) return running;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = options.timeoutError(Math.round(options.timeoutMs! / 1000));
      controller.abort(error);
      reject(error);
    }, options.timeoutMs);
  });
  try {
    return await Promise.race([running, deadline]);
  } catch (error) {
    const graceMs = options.graceMs ?? 10_000;
    if (controller.signal.aborted && graceMs > 0) {
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([
        running.catch(() => undefined),
        new Promise((resolve) => (grace = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(grace);
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
