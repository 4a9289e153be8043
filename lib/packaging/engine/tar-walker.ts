/**
 * Walks a tar stream chunk by chunk (it never needs the archive in memory): parses every header strictly, refuses
 * unsafe names and links and every form the usual readers read differently, finds the end-of-archive marker and
 * checks that only zeros follow it, and optionally passes through the members a callback keeps, byte for byte
 * (headers are never re-encoded). Memory is bounded: at most one member's extended headers are held.
 */
import {
  ambiguous, BLOCK, checkLinkTarget, emptyTypeName, HARMLESS_GLOBAL_KEYS, isDataType, isZeroBlock, parseHeader, parsePax, quote, safeEntryName,
} from './tar-format';
import { InjectionError } from './types';

/** One archive member, with the extended headers (PAX, GNU long names) that belong to it. */
export interface TarEntry {
  /** The full name (PAX path or GNU long name applied). */
  readonly name: string;
  /** Without leading `./` and trailing `/`. */
  readonly normalizedName: string;
  readonly typeflag: string;
  readonly linkname: string;
  /** Data bytes (unpadded). */
  readonly size: number;
  /** Offset of the first header of the member (extended headers included). */
  readonly start: number;
}

export interface TarWalkerOptions {
  /** Called for each member; return false to drop it (and its extended headers) from the output. */
  readonly onEntry: (entry: TarEntry) => boolean;
  /** Receives the kept bytes, in order, up to (not including) the end-of-archive marker. */
  readonly onOutput?: (bytes: Uint8Array) => void;
}

/** Extended header data larger than this is refused (a tar header is not a place for megabytes). */
export const MAX_EXTENDED_HEADER = 1024 * 1024;

type State = 'header' | 'extended' | 'data' | 'end';

const ZEROS = new Uint8Array(64 * 1024);

/** Offset of the first non-zero byte of `chunk` at or after `from`, or -1 (native compares, 64 KiB at a time). */
function firstNonZero(chunk: Uint8Array, from: number): number {
  for (let p = from; p < chunk.length; p += ZEROS.length) {
    const n = Math.min(ZEROS.length, chunk.length - p);
    if (Buffer.compare(Buffer.from(chunk.buffer, chunk.byteOffset + p, n), Buffer.from(ZEROS.buffer, 0, n)) !== 0) {
      for (let i = p; i < p + n; i++) if (chunk[i] !== 0) return i;
    }
  }
  return -1;
}

export class TarWalker {
  /** Bytes consumed so far. */
  public position = 0;
  /** Offset of the end-of-archive marker (the first all-zero header block), once seen. */
  public endOfArchive: number | undefined;
  /** Number of members seen. */
  public entryCount = 0;

  private state: State = 'header';
  private readonly block = new Uint8Array(BLOCK);
  private blockFill = 0;
  private groupStart = 0;
  /** The extended headers seen for the next member. */
  private group = { x: false, L: false, K: false };
  /** The last header was a PAX global header (Python tarfile refuses one followed by the end of the archive). */
  private afterGlobal = false;
  private pending: Uint8Array[] = [];
  private pax = new Map<string, string>();
  private longName: string | undefined;
  private longLink: string | undefined;
  private extendedType = '';
  private extendedAt = 0;
  private extended: Uint8Array = new Uint8Array(0);
  private extendedFill = 0;
  private remaining = 0;
  /** The member whose data is being read, for a truncation message. */
  private current: { name: string; size: number; padded: number } | undefined;
  private keep = true;

  constructor(private readonly options: TarWalkerOptions) {}

  push(chunk: Uint8Array): void {
    let p = 0;
    while (p < chunk.length) {
      switch (this.state) {
        case 'end': {
          const at = firstNonZero(chunk, p);
          if (at >= 0) {
            const offset = this.position + (at - p);
            throw ambiguous(
              `non-zero data follows the end-of-archive marker (the marker is at byte ${this.endOfArchive}; GNU tar, Python tarfile and bsdtar stop there, tar -i and a concatenated archive read on), first`,
              offset,
            );
          }
          this.position += chunk.length - p;
          return;
        }
        case 'data': {
          const n = Math.min(this.remaining, chunk.length - p);
          if (this.keep && this.options.onOutput) this.options.onOutput(chunk.subarray(p, p + n));
          this.remaining -= n;
          this.position += n;
          p += n;
          if (this.remaining === 0) {
            this.state = 'header';
            this.current = undefined;
          }
          break;
        }
        case 'extended': {
          const n = Math.min(this.remaining, chunk.length - p);
          const part = chunk.subarray(p, p + n);
          this.hold(part);
          const room = Math.min(n, this.extended.length - this.extendedFill);
          if (room > 0) {
            this.extended.set(part.subarray(0, room), this.extendedFill);
            this.extendedFill += room;
          }
          this.remaining -= n;
          this.position += n;
          p += n;
          if (this.remaining === 0) this.finishExtended();
          break;
        }
        default: {
          const n = Math.min(BLOCK - this.blockFill, chunk.length - p);
          this.block.set(chunk.subarray(p, p + n), this.blockFill);
          this.blockFill += n;
          p += n;
          this.position += n;
          if (this.blockFill < BLOCK) break;
          this.blockFill = 0;
          this.onHeaderBlock(this.position - BLOCK);
        }
      }
    }
  }

  /** Call at the end of input: refuses an archive that ends early, and one without its end-of-archive marker. */
  finish(): void {
    if (this.endOfArchive !== undefined) return;
    if (this.position === 0) throw new InjectionError('not a tar archive: the archive is empty', 'NOT_TAR');
    if (this.state === 'data' && this.current) {
      const into = Math.min(this.current.size, this.current.padded - this.remaining);
      throw new InjectionError(
        `truncated tar archive: the member ${quote(this.current.name)} declares ${this.current.size} bytes of data, but the archive ends ${into} bytes into it`,
        'TRUNCATED',
      );
    }
    if (this.state === 'extended') throw new InjectionError(`truncated tar archive: it ends inside the extended header at byte ${this.extendedAt}`, 'TRUNCATED');
    if (this.blockFill > 0) throw new InjectionError(`truncated tar archive: it ends inside a header, at byte ${this.position}`, 'TRUNCATED');
    throw new InjectionError(`truncated tar archive: it ends at byte ${this.position} without an end-of-archive marker`, 'TRUNCATED');
  }

  private groupOpen(): boolean {
    return this.group.x || this.group.L || this.group.K;
  }

  private hold(bytes: Uint8Array): void {
    if (this.options.onOutput) this.pending.push(Uint8Array.from(bytes));
  }

  private release(): void {
    if (this.options.onOutput) for (const b of this.pending) this.options.onOutput(b);
    this.pending = [];
  }

  private onHeaderBlock(blockStart: number): void {
    if (!this.groupOpen()) this.groupStart = blockStart;
    if (isZeroBlock(this.block)) {
      if (this.groupOpen()) throw ambiguous('an extended header followed by the end-of-archive marker instead of its member', blockStart);
      if (this.afterGlobal) throw ambiguous('a PAX global header followed by the end-of-archive marker (Python tarfile cannot read that)', blockStart);
      this.endOfArchive = blockStart;
      this.state = 'end';
      return;
    }
    const header = parseHeader(this.block, blockStart);
    this.hold(this.block);
    const t = header.typeflag;
    if (t === 'x' || t === 'g' || t === 'L' || t === 'K') {
      if (header.size > MAX_EXTENDED_HEADER) {
        throw new InjectionError(`refusing a ${header.size}-byte extended tar header at byte ${blockStart} of the tar (the limit is ${MAX_EXTENDED_HEADER})`, 'LIMIT_EXCEEDED');
      }
      if (t === 'g' && this.groupOpen()) throw ambiguous('a PAX global header between an extended header and its member', blockStart);
      if (t !== 'g') {
        if (this.group[t]) throw ambiguous(`two ${t === 'x' ? 'PAX extended' : `GNU long-${t === 'L' ? 'name' : 'link'}`} headers for one member`, blockStart);
        this.group[t] = true;
      }
      this.extendedType = t;
      this.extendedAt = blockStart;
      this.extended = new Uint8Array(header.size);
      this.extendedFill = 0;
      this.remaining = Math.ceil(header.size / BLOCK) * BLOCK;
      this.state = 'extended';
      if (this.remaining === 0) this.finishExtended();
      return;
    }
    this.onMember(header, blockStart);
  }

  private onMember(header: ReturnType<typeof parseHeader>, blockStart: number): void {
    // The old V7 way to write a directory (bsdtar --format v7 still does): the NUL type and a name ending with '/'.
    // Python tarfile, GNU tar and bsdtar all read it as a directory, when it has no data and no other name.
    const v7Directory = header.oldRegular && header.nameFieldEndsWithSlash && header.size === 0 && this.pax.size === 0 && this.longName === undefined;
    const t = v7Directory ? '5' : header.typeflag;
    const paxPath = this.pax.get('path');
    const paxLink = this.pax.get('linkpath');
    if (paxPath !== undefined && this.longName !== undefined) throw ambiguous('a member named by both a PAX path and a GNU long name (readers pick different ones)', blockStart);
    if (paxLink !== undefined && this.longLink !== undefined) throw ambiguous('a link target given by both a PAX linkpath and a GNU long link (readers pick different ones)', blockStart);
    const name = paxPath ?? this.longName ?? header.name;
    const linkname = paxLink ?? this.longLink ?? header.linkname;
    const paxSize = this.pax.get('size');
    const size = paxSize !== undefined ? Number(paxSize) : header.size;
    this.pax = new Map();
    this.group = { x: false, L: false, K: false };
    this.afterGlobal = false;
    this.longName = undefined;
    this.longLink = undefined;
    const empty = emptyTypeName(t);
    if (empty && (size !== 0 || header.size !== 0)) {
      throw ambiguous(
        `a ${empty} ${quote(name)} with a size field of ${Math.max(size, header.size)} (GNU tar skips that many bytes after some such members, Python tarfile and bsdtar skip none)`,
        blockStart,
      );
    }
    // Python tarfile makes a '\0' member whose 100-byte name field ends with '/' a directory (whatever a PAX path or
    // long name says); GNU tar extracts a regular file whose final name ends with '/' as a directory.
    if (isDataType(t) && ((header.oldRegular && header.nameFieldEndsWithSlash) || name.endsWith('/'))) {
      throw ambiguous(`a regular file whose name ${quote(header.oldRegular && header.nameFieldEndsWithSlash ? header.name : name)} ends with "/" (Python tarfile or GNU tar make it a directory)`, blockStart);
    }
    const normalizedName = safeEntryName(name);
    if (normalizedName === '' && t !== '5') throw ambiguous(`a ${empty ?? 'regular file'} with an empty name`, blockStart);
    // GNU tar substitutes "." for an empty hard-link target, Python tarfile keeps "", bsdtar reads no type at all. (An
    // empty symbolic-link target the three read alike.)
    if (t === '1' && linkname === '') throw ambiguous(`a hard link ${quote(name)} with an empty target (GNU tar links it to ".", Python tarfile to "")`, blockStart);
    checkLinkTarget(normalizedName, t, linkname);
    // Within the archive, but GNU tar drops the part of a hard-link target up to its last "../" ("Removing leading
    // `d/../' from hard link targets"); Python tarfile and bsdtar keep it.
    if (t === '1' && linkname.split('/').includes('..')) {
      throw ambiguous(`a hard link ${quote(name)} to ${quote(linkname)} (GNU tar drops the target's part up to its last "../", Python tarfile and bsdtar keep it)`, blockStart);
    }
    this.entryCount++;
    this.keep = this.options.onEntry({ name, normalizedName, typeflag: t, linkname, size, start: this.groupStart });
    if (this.keep) this.release();
    this.pending = [];
    const dataBytes = isDataType(t) ? Math.ceil(size / BLOCK) * BLOCK : 0;
    this.current = { name, size, padded: dataBytes };
    this.remaining = dataBytes;
    this.state = dataBytes > 0 ? 'data' : 'header';
  }

  private finishExtended(): void {
    const data = this.extended;
    const at = this.extendedAt;
    const t = this.extendedType;
    if (t === 'x') {
      for (const [k, v] of parsePax(data, at)) this.pax.set(k, v);
    } else if (t === 'L' || t === 'K') {
      let end = data.indexOf(0);
      if (end < 0) end = data.length;
      if (end === 0) throw ambiguous(`an empty GNU long ${t === 'L' ? 'name' : 'link'}`, at);
      const value = new TextDecoder().decode(data.subarray(0, end));
      if (t === 'L') this.longName = value;
      else this.longLink = value;
    } else {
      for (const [k, v] of parsePax(data, at)) {
        if (!HARMLESS_GLOBAL_KEYS.has(k)) {
          throw ambiguous(
            `a PAX global header sets ${k}=${quote(v.slice(0, 80))} for every later member, the new code/ included (GNU tar and Python tarfile apply it, bsdtar ignores it)`,
            at,
          );
        }
      }
      // A global header applies to the whole archive: pass it through as its own group.
      this.release();
      this.afterGlobal = true;
    }
    this.state = 'header';
  }
}
