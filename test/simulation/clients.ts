// The callers of a simulated endpoint. A client says when it sends its next request and hears each outcome; the
// simulation sends the requests in time order, retries included.
import { InvokeRequest, Outcome } from './sagemaker';

export interface Client {
  readonly id: string;
  /** Where its requests go (endpoint, and inference component when the endpoint hosts several). */
  readonly target: Omit<InvokeRequest, 'clientId'>;
  /** The second of its next request, or undefined when it has nothing more to send. Changes only in `outcome`. */
  next(): number | undefined;
  /** The outcome of the request it sent at `second`. */
  outcome(second: number, outcome: Outcome): void;
  /** An asynchronous request of this client completed at `second`. */
  completed(second: number): void;
}

/**
 * One caller that needs one answer: it sends a request at `start` and, while the endpoint refuses it, sends it again
 * every `retryEverySeconds` (an SDK's retries with a fixed interval). For an asynchronous endpoint the request is
 * queued at once and answered when it completes.
 */
export class RetryingClient implements Client {
  public firstAttemptAt?: number;
  public answeredAt?: number;
  public attempts = 0;
  public refusals = 0;
  private nextAt?: number;

  constructor(public readonly id: string, public readonly target: Omit<InvokeRequest, 'clientId'>, start: number,
    private readonly retryEverySeconds = 30) {
    this.nextAt = start;
  }

  public next(): number | undefined {
    return this.nextAt;
  }

  public outcome(second: number, outcome: Outcome): void {
    this.firstAttemptAt ??= second;
    this.attempts++;
    if (outcome === 'served') {
      this.answeredAt = second;
      this.nextAt = undefined;
    } else if (outcome === 'refused') {
      this.refusals++;
      this.nextAt = second + this.retryEverySeconds;
    } else {
      this.nextAt = undefined;
    }
  }

  public completed(second: number): void {
    this.answeredAt ??= second;
  }

  /** Whether it has been refused or queued, and still waits for its answer, at `second`. */
  public waitingAt(second: number): boolean {
    return this.firstAttemptAt !== undefined && this.firstAttemptAt < second
      && (this.answeredAt === undefined || this.answeredAt > second);
  }
}

/**
 * Traffic: `perMinute` requests a minute, evenly spaced, from `from` to `to` (seconds); a refused request is not
 * retried (each is a different caller), and is counted.
 */
export class LoadClient implements Client {
  public served = 0;
  public refused = 0;
  public queued = 0;
  public completedCount = 0;
  private sent = 0;

  constructor(public readonly id: string, public readonly target: Omit<InvokeRequest, 'clientId'>, public readonly from: number,
    private readonly to: number, private readonly perMinute: number) {}

  public next(): number | undefined {
    const at = this.from + Math.floor((this.sent * 60) / this.perMinute);
    return at < this.to ? at : undefined;
  }

  public outcome(_second: number, outcome: Outcome): void {
    this.sent++;
    if (outcome === 'served') this.served++;
    else if (outcome === 'refused') this.refused++;
    else this.queued++;
  }

  public completed(): void {
    this.completedCount++;
  }
}
