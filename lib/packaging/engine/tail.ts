/**
 * `tail`: the patch found from the end of the file alone (at most 4 MiB read), O(1) in the model size.
 * It cannot verify the input's CRC nor see `code/` entries before the window, so it is opt-in, and it refuses
 * whenever the tail does not resolve: the marker offset is taken only from a chain of fully known, checksum-valid
 * tar headers that ends in the final run of zeros, never guessed from the zeros alone.
 */
import { TailDecoding } from './deflate-decoder';
import { buildTailPatch, locateTail, TailVerdict } from './tail-patch';
import {
  BLOCK, checkLinkTarget, hasData, isCodeEntry, parseHeader, parsePax, RECORD, safeEntryName,
} from './tar-format';
import { archiveTail, CodeEntries } from './tar-writer';
import { ByteSource, InjectionError, InjectionStats } from './types';

/** The most `tail` reads, head check included. */
export const TAIL_MAX_READ = 4 * 1024 * 1024;
const HEAD_BYTES = 512;

function allKnown(d: TailDecoding, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (d.unknown[i]) return false;
  return true;
}

interface Chain {
  readonly end: number;
  readonly names: string[];
}

/** Follows the header chain from `start`; returns where it meets the final zero run, or undefined. */
function followChain(d: TailDecoding, start: number, zeroStart: number, memo: Map<number, number>): Chain | undefined {
  const names: string[] = [];
  const visited: number[] = [];
  let pos = start;
  let pax = new Map<string, string>();
  let longName: string | undefined;
  let longLink: string | undefined;
  const done = (end: number): Chain => {
    for (const v of visited) memo.set(v, end);
    return { end, names };
  };
  for (;;) {
    const known = memo.get(pos);
    // Joining a chain already followed: it ends where that one ends (keeps the walk linear in the headers).
    if (known !== undefined && pos !== start) return done(known);
    if (pos >= zeroStart) {
      // The chain lands in the final zeros: that is the end-of-archive marker, unless an extended header is dangling.
      return pax.size === 0 && longName === undefined && longLink === undefined && names.length > 0 ? done(pos) : undefined;
    }
    visited.push(pos);
    if (pos + BLOCK > d.length || !allKnown(d, pos, pos + BLOCK)) return undefined;
    const header = parseHeader(d.out.subarray(pos, pos + BLOCK));
    if (!header) return undefined;
    const t = header.typeflag;
    const dataStart = pos + BLOCK;
    if (t === 'x' || t === 'g' || t === 'L' || t === 'K') {
      const dataEnd = dataStart + header.size;
      if (dataEnd > d.length || !allKnown(d, dataStart, dataEnd)) return undefined;
      const data = d.out.subarray(dataStart, dataEnd);
      if (t === 'x') for (const [k, v] of parsePax(data)) pax.set(k, v);
      else if (t === 'L' || t === 'K') {
        let e = data.indexOf(0);
        if (e < 0) e = data.length;
        const value = new TextDecoder().decode(data.subarray(0, e));
        if (t === 'L') longName = value;
        else longLink = value;
      }
      pos = dataStart + Math.ceil(header.size / BLOCK) * BLOCK;
      continue;
    }
    const name = pax.get('path') ?? longName ?? header.name;
    const link = pax.get('linkpath') ?? longLink ?? header.linkname;
    const size = pax.has('size') ? Number(pax.get('size')) : header.size;
    if (!Number.isSafeInteger(size) || size < 0) return undefined;
    names.push(`${t}\u0000${name}\u0000${link}`);
    pax = new Map();
    longName = undefined;
    longLink = undefined;
    pos = dataStart + (hasData(t) ? Math.ceil(size / BLOCK) * BLOCK : 0);
  }
}

/**
 * Finds the end-of-archive marker in a tail decode: the lowest resolved header whose chain ends in the final zero
 * run; every resolved chain must agree. `grow` when nothing resolves yet.
 */
export function resolveTarEnd(d: TailDecoding): TailVerdict {
  const D = d.length;
  // Tar offsets are multiples of 512 counted from the end (a tar's length is a multiple of 512).
  let zeroStart = D;
  while (zeroStart > 0 && !d.unknown[zeroStart - 1] && d.out[zeroStart - 1] === 0) zeroStart--;
  const firstAligned = D % BLOCK;
  zeroStart = firstAligned + Math.ceil((zeroStart - firstAligned) / BLOCK) * BLOCK;
  if (D - zeroStart < 2 * BLOCK) return { kind: 'reject', why: 'the archive does not end with an end-of-archive marker' };
  let found: Chain | undefined;
  const memo = new Map<number, number>();
  for (let pos = firstAligned; pos < zeroStart; pos += BLOCK) {
    if (memo.has(pos)) continue;
    const chain = followChain(d, pos, zeroStart, memo);
    if (!chain) continue;
    if (!found) found = chain;
    else if (chain.end !== found.end) {
      return { kind: 'grow', why: 'tar header chains in the tail disagree on where the archive ends' };
    }
  }
  if (!found) return { kind: 'grow', why: 'no fully known tar header in the tail yet' };
  for (const n of found.names) {
    const [t, name, link] = n.split('\u0000');
    const normalized = safeEntryName(name);
    checkLinkTarget(normalized, t, link);
    if (isCodeEntry(normalized)) {
      throw new InjectionError(`tail cannot replace the existing ${JSON.stringify(name)}: the archive already contains code/ (use scan or stream)`, 'STRATEGY_NOT_APPLICABLE');
    }
  }
  return { kind: 'accept', end: found.end };
}

export interface TailOutcome {
  readonly keep: number;
  readonly bytes: Uint8Array;
}

export async function tailPatch(source: ByteSource, entries: CodeEntries, stats: InjectionStats): Promise<TailOutcome> {
  const located = await locateTail(source, {
    initialWindow: 64 * 1024,
    maxWindow: TAIL_MAX_READ - HEAD_BYTES,
    maxOut: 64 * 1024 * 1024,
    onRead: (n) => (stats.bytesRead += n),
    onDecoded: (n) => (stats.bytesInflated += n),
    judge: resolveTarEnd,
  });
  if ('failed' in located) {
    if (located.cause !== 'unresolved') {
      // Not a limit of the tail: the file itself is incomplete (or has bytes appended); scan would refuse it too.
      throw new InjectionError(`tail refuses this archive after reading ${stats.bytesRead} bytes: ${located.failed}; upload the complete artifact`, 'TAIL_UNRESOLVED');
    }
    throw new InjectionError(`the tail does not resolve within ${TAIL_MAX_READ} bytes: ${located.failed} (use scan)`, 'TAIL_UNRESOLVED');
  }
  // The original tar ends on a record boundary: the marker is (zeros after it) bytes before that boundary.
  const patch = buildTailPatch(located, (zeros) => archiveTail(entries, (RECORD - (zeros % RECORD)) % RECORD));
  stats.bytesDeflated += patch.bytesDeflated;
  return { keep: patch.keep, bytes: patch.bytes };
}
