import {
  checkInjectionTime, estimateSeconds, injectionRate, maxArchiveBytes, MEASURED_RATES, tooLargeReason,
} from '../../lib/packaging/runtime/injection-estimate';

const GB = 1e9;
/** What the handler has for the work in a 15-minute function (30 s kept back to answer). */
const BUDGET_MS = 870_000;

describe('the rate model', () => {
  test('scan runs at the measured inflate rate from 2 vCPUs on, and slower with fewer in proportion', () => {
    expect(injectionRate('scan', 3538)).toBeCloseTo(215e6, -3);
    expect(injectionRate('scan', 10240)).toBeCloseTo(215e6, -3);
    expect(injectionRate('scan', 1769)).toBeCloseTo(107.5e6, -3);
  });

  test('stream scales with the vCPUs up to the single inflate pass', () => {
    expect(injectionRate('stream', 3538)).toBeCloseTo(76e6, -3);
    expect(injectionRate('stream', 1769)).toBeCloseTo(38e6, -3);
    expect(injectionRate('stream', 10240)).toBeCloseTo(215e6, -3);
  });

  test('the size limits are the inverse of the estimate', () => {
    for (const strategy of ['scan', 'stream'] as const) {
      for (const memory of [1024, 3538, 10240]) {
        const max = maxArchiveBytes(strategy, 870, memory);
        expect(estimateSeconds(strategy, max, memory)).toBeCloseTo(870, 6);
      }
    }
    // The documented table (docs/injection.md): scan ~185 GB from 3,538 MiB on, stream ~65 GB with 3,538 MiB.
    expect(maxArchiveBytes('scan', 870, 3538) / GB).toBeCloseTo(185, 0);
    expect(maxArchiveBytes('stream', 870, 3538) / GB).toBeCloseTo(65.4, 0);
  });
});

describe('checkInjectionTime', () => {
  test('a 50 GB archive fits scan and auto with 3,538 MiB, stream only with more memory', () => {
    expect(checkInjectionTime({ strategy: 'scan', sizeBytes: 50 * GB, memoryMiB: 3538, remainingMs: BUDGET_MS }).fits).toBe(true);
    expect(checkInjectionTime({ strategy: 'auto', sizeBytes: 50 * GB, memoryMiB: 3538, remainingMs: BUDGET_MS }).fits).toBe(true);
    const stream = checkInjectionTime({ strategy: 'stream', sizeBytes: 80 * GB, memoryMiB: 3538, remainingMs: BUDGET_MS });
    expect(stream.fits).toBe(false);
    if (stream.fits) return;
    // The least memory in 64 MiB steps: it fits, 64 MiB less does not.
    expect(stream.memoryNeededMiB).toBeDefined();
    expect(estimateSeconds('stream', 80 * GB, stream.memoryNeededMiB!)).toBeLessThanOrEqual(870);
    expect(estimateSeconds('stream', 80 * GB, stream.memoryNeededMiB! - 64)).toBeGreaterThan(870);
  });

  test('no memory helps an archive larger than scan can inflate in the time left', () => {
    const verdict = checkInjectionTime({ strategy: 'auto', sizeBytes: 400 * GB, memoryMiB: 10240, remainingMs: BUDGET_MS });
    expect(verdict).toMatchObject({ fits: false, memoryNeededMiB: undefined });
  });

  test('the boundary is the time left, fixed work included', () => {
    const size = (870 - MEASURED_RATES.fixedSeconds) * 215e6;
    expect(checkInjectionTime({ strategy: 'scan', sizeBytes: size, memoryMiB: 3538, remainingMs: BUDGET_MS }).fits).toBe(true);
    expect(checkInjectionTime({ strategy: 'scan', sizeBytes: size + 1e6, memoryMiB: 3538, remainingMs: BUDGET_MS }).fits).toBe(false);
    expect(checkInjectionTime({ strategy: 'scan', sizeBytes: size, memoryMiB: 3538, remainingMs: BUDGET_MS - 5000 }).fits).toBe(false);
  });
});

describe('tooLargeReason names the options that apply to this archive', () => {
  const uri = 's3://models/job/model.tar.gz';

  test('more memory when it would do', () => {
    const check = { strategy: 'stream' as const, sizeBytes: 80 * GB, memoryMiB: 3538, remainingMs: BUDGET_MS };
    const verdict = checkInjectionTime(check);
    if (verdict.fits) throw new Error('expected too large');
    const reason = tooLargeReason(uri, check, verdict);
    expect(reason).toMatch(/^the model artifact s3:\/\/models\/job\/model.tar.gz is too large to inject in time: 80.0 GB by stream needs about 17.7 min/);
    expect(reason).toContain('ModelData.fromS3Prefix');
    expect(reason).toContain('ModelOutputCompression.NONE');
    expect(reason).toContain(`memorySize (codeInjection.memorySize) of at least ${verdict.memoryNeededMiB} MiB, up to 10,240`);
    expect(reason).toContain('Nothing was written');
  });

  test('no memory when none would do', () => {
    const check = { strategy: 'auto' as const, sizeBytes: 400 * GB, memoryMiB: 10240, remainingMs: BUDGET_MS };
    const verdict = checkInjectionTime(check);
    if (verdict.fits) throw new Error('expected too large');
    const reason = tooLargeReason(uri, check, verdict);
    expect(reason).not.toMatch(/TAIL|tail/);
    expect(reason).not.toContain('memorySize');
    expect(reason).toContain('by auto (which runs scan)');
    expect(reason).toContain('even 10,240 MiB would need about');
    expect(reason).toContain('ModelData.fromS3Prefix');
  });
});
