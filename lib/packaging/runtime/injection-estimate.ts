/**
 * Will a compressed artifact's injection finish before the function's deadline? A rate model from the engine's local
 * measurements (docs/injection-engine.md, "Performance"), scaled by the vCPUs Lambda gives the function's memory
 * setting. Pure: the handler asks before it starts, so an artifact too large for `auto`, `scan` or `stream` fails
 * at once (nothing read, nothing written) with the options that apply, instead of after 14.5 minutes.
 */
import type { StrategyName } from '../engine/types';

/** Lambda gives one vCPU per 1,769 MiB of memory (6 at 10,240 MiB). */
export const MIB_PER_VCPU = 1769;
export const MAX_MEMORY_MIB = 10_240;
export const MIN_MEMORY_MIB = 128;

/** The rates an estimate uses. Defaults: {@link MEASURED_RATES}. */
export interface InjectionRates {
  /**
   * `scan`: bytes of compressed input per second of one native inflate pass, with the vCPUs it needs for that
   * (one inflating, one for the ranged GETs and the SDK); fewer vCPUs scale it down in proportion.
   */
  readonly scanBytesPerSecond: number;
  readonly scanVcpus: number;
  /** `stream`: bytes of input per second per vCPU (inflate + parallel deflate + upload share the cores). */
  readonly streamBytesPerSecondPerVcpu: number;
  /** `stream` never goes faster than its single inflate pass. */
  readonly streamMaxBytesPerSecond: number;
  /** Seconds of fixed work: HEAD, the code asset, the tail window and patch, completing the upload, the manifest. */
  readonly fixedSeconds: number;
}

/**
 * Measured with 2 vCPUs (how: CONTRIBUTING.md, Measurements): native inflate ~215 MB/s of input (`scan` is one such
 * pass; its server-side copy runs beside it); `stream` 76 MB/s of input on 2 vCPUs, i.e. ~38 MB/s per vCPU.
 * Estimates for Lambda, not measured there.
 */
export const MEASURED_RATES: InjectionRates = {
  scanBytesPerSecond: 215e6,
  scanVcpus: 2,
  streamBytesPerSecondPerVcpu: 38e6,
  streamMaxBytesPerSecond: 215e6,
  fixedSeconds: 10,
};

/** The strategies an estimate distinguishes (`auto` runs `scan`). */
export type SizedStrategy = 'scan' | 'stream';

export function vcpusFor(memoryMiB: number): number {
  return memoryMiB / MIB_PER_VCPU;
}

/** Bytes of input per second of `strategy` with `memoryMiB` of memory. */
export function injectionRate(strategy: SizedStrategy, memoryMiB: number, rates: InjectionRates = MEASURED_RATES): number {
  const vcpus = vcpusFor(memoryMiB);
  if (strategy === 'scan') return rates.scanBytesPerSecond * Math.min(1, vcpus / rates.scanVcpus);
  return Math.min(rates.streamBytesPerSecondPerVcpu * vcpus, rates.streamMaxBytesPerSecond);
}

/** Estimated seconds for `strategy` on `sizeBytes` of compressed input. */
export function estimateSeconds(strategy: SizedStrategy, sizeBytes: number, memoryMiB: number, rates: InjectionRates = MEASURED_RATES): number {
  return rates.fixedSeconds + sizeBytes / injectionRate(strategy, memoryMiB, rates);
}

/** The largest archive `strategy` is estimated to finish within `seconds` with `memoryMiB`. */
export function maxArchiveBytes(strategy: SizedStrategy, seconds: number, memoryMiB: number, rates: InjectionRates = MEASURED_RATES): number {
  return Math.max(0, (seconds - rates.fixedSeconds) * injectionRate(strategy, memoryMiB, rates));
}

/**
 * The strategy whose time the estimate uses: what `scan` and `stream` run; `auto` runs `scan` (it falls back to
 * `stream` only when the scan finds `code/` or a plain tar, which its size cannot tell).
 */
export function sizedStrategy(strategy: StrategyName): SizedStrategy {
  return strategy === 'stream' ? 'stream' : 'scan';
}

export interface TimeCheck {
  readonly strategy: StrategyName;
  readonly sizeBytes: number;
  readonly memoryMiB: number;
  /** Milliseconds the function has left for the work. */
  readonly remainingMs: number;
  readonly rates?: InjectionRates;
}

export type TimeVerdict =
  | { readonly fits: true; readonly estimateSeconds?: number }
  | {
    readonly fits: false;
    readonly estimateSeconds: number;
    readonly bytesPerSecond: number;
    /** The least memory (MiB) with which the estimate fits, or undefined when even 10,240 MiB does not. */
    readonly memoryNeededMiB?: number;
  };

/** Decides from the size alone whether the work can finish in time. */
export function checkInjectionTime(check: TimeCheck): TimeVerdict {
  const sized = sizedStrategy(check.strategy);
  const rates = check.rates ?? MEASURED_RATES;
  const seconds = estimateSeconds(sized, check.sizeBytes, check.memoryMiB, rates);
  const available = check.remainingMs / 1000;
  if (seconds <= available) return { fits: true, estimateSeconds: seconds };
  return {
    fits: false,
    estimateSeconds: seconds,
    bytesPerSecond: injectionRate(sized, check.memoryMiB, rates),
    memoryNeededMiB: leastMemory(sized, check.sizeBytes, available, check.memoryMiB, rates),
  };
}

/** The least memory above `current` (in 64 MiB steps, up to 10,240) with which the estimate fits, if any. */
function leastMemory(strategy: SizedStrategy, sizeBytes: number, seconds: number, current: number, rates: InjectionRates): number | undefined {
  for (let mib = Math.ceil((current + 1) / 64) * 64; mib <= MAX_MEMORY_MIB + 63; mib += 64) {
    const m = Math.min(mib, MAX_MEMORY_MIB);
    if (estimateSeconds(strategy, sizeBytes, m, rates) <= seconds) return m;
    if (m === MAX_MEMORY_MIB) break;
  }
  return undefined;
}

/**
 * The FAILED reason for an artifact too large for the time left: the figures, then the options that apply to
 * this archive (uncompressed model data always; more memory when some memory up to 10,240 MiB would do).
 */
export function tooLargeReason(artifactUri: string, check: TimeCheck, verdict: Extract<TimeVerdict, { fits: false }>): string {
  const sized = sizedStrategy(check.strategy);
  const ran = check.strategy === 'auto' ? 'auto (which runs scan)' : check.strategy;
  const options = [
    'serve the model uncompressed (ModelData.fromS3Prefix, or a training job with modelOutputCompression: ModelOutputCompression.NONE), which is copied server side',
  ];
  if (verdict.memoryNeededMiB !== undefined) {
    options.push(`give the injection more memory (more vCPUs): memorySize (codeInjection.memorySize) of at least ${verdict.memoryNeededMiB} MiB, up to 10,240`);
  }
  const notes = [
    verdict.memoryNeededMiB === undefined ? `even 10,240 MiB would need about ${minutes(estimateSeconds(sized, check.sizeBytes, MAX_MEMORY_MIB, check.rates))}` : undefined,
  ].filter((note): note is string => note !== undefined);
  return (
    `the model artifact ${artifactUri} is too large to inject in time: ${gigabytes(check.sizeBytes)} by ${ran} needs about ` +
    `${minutes(verdict.estimateSeconds)} at ~${Math.round(verdict.bytesPerSecond / 1e6)} MB/s with ${check.memoryMiB} MiB ` +
    `(${vcpusFor(check.memoryMiB).toFixed(1)} vCPU; an estimate from local measurements), but the function has ` +
    `${minutes(check.remainingMs / 1000)} left. Nothing was written. Options: ${options.join('; or ')}.` +
    (notes.length > 0 ? ` (${notes.join('; ')}.)` : '')
  );
}

function minutes(seconds: number): string {
  return seconds < 120 ? `${Math.round(seconds)} s` : `${(seconds / 60).toFixed(1)} min`;
}

function gigabytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${(bytes / 1e6).toFixed(0)} MB`;
}
