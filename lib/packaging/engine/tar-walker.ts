/**
 * Walks a tar stream chunk by chunk (it never needs the archive in memory): parses every header, refuses unsafe
 * names and links, finds the end-of-archive marker, and optionally passes through the entries a callback keeps,
 * byte for byte (headers are never re-encoded).
 */
import {
  BLOCK, checkLinkTarget, hasData, isZeroBlock, parseHeader, parsePax, safeEntryName,
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
const MAX_EXTENDED_HEADER = 1024 * 1024;

type State = 'header' | 'extended' | 'sparse' | 'data' | 'end';

export class TarWalker {
  /** Bytes consumed so far. */
  public position = 0;
  /** Offset of the end-of-archive marker (the first all-zero header block), once seen. */
  public endOfArchive: number | undefined;
  /** True when a non-zero byte follows the end-of-archive marker. */
  public dataAfterEnd = false;
  /** Number of members seen. */
  public entryCount = 0;

  private state: State = 'header';
  private readonly block = new Uint8Array(BLOCK);
  private blockFill = 0;
  private groupStart = 0;
  /** True between an extended header and the member header it belongs to. */
  private groupOpen = false;
  private pending: Uint8Array[] = [];
  private pax = new Map<string, string>();
  private longName: string | undefined;
  private longLink: string | undefined;
  private extendedType = '';
  private extended: Uint8Array = new Uint8Array(0);
  private extendedFill = 0;
  private remaining = 0;
  private keep = true;
  private sparseAfter: { size: number } | undefined;

  constructor(private readonly options: TarWalkerOptions) {}

  push(chunk: Uint8Array): void {
    let p = 0;
    while (p < chunk.length) {
      switch (this.state) {
        case 'end': {
          if (!this.dataAfterEnd) {
            for (let i = p; i < chunk.length; i++) {
              if (chunk[i] !== 0) {
                this.dataAfterEnd = true;
                break;
              }
            }
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
          if (this.remaining === 0) this.state = 'header';
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
          // 'header' or 'sparse': gather one 512-byte block.
          const n = Math.min(BLOCK - this.blockFill, chunk.length - p);
          this.block.set(chunk.subarray(p, p + n), this.blockFill);
          this.blockFill += n;
          p += n;
          if (this.blockFill < BLOCK) {
            this.position += n;
            break;
          }
          this.blockFill = 0;
          const blockStart = this.position + n - BLOCK;
          this.position += n;
          if (this.state === 'sparse') this.onSparseBlock();
          else this.onHeaderBlock(blockStart);
        }
      }
    }
  }

  /** Call at the end of input: refuses an archive without its end-of-archive marker. */
  finish(): void {
    if (this.endOfArchive === undefined) {
      if (this.position === 0) throw new InjectionError('not a tar archive: the archive is empty', 'NOT_TAR');
      throw new InjectionError(`truncated tar archive: it ends at byte ${this.position} without an end-of-archive marker`, 'TRUNCATED');
    }
  }

  private hold(bytes: Uint8Array): void {
    if (this.options.onOutput) this.pending.push(Uint8Array.from(bytes));
  }

  private onHeaderBlock(blockStart: number): void {
    if (!this.groupOpen) this.groupStart = blockStart;
    if (isZeroBlock(this.block)) {
      if (this.pending.length > 0) {
        throw new InjectionError('not a valid tar archive: an extended header is followed by the end of the archive', 'NOT_TAR');
      }
      this.endOfArchive = blockStart;
      this.state = 'end';
      return;
    }
    const header = parseHeader(this.block);
    if (!header) {
      const what = blockStart === 0 ? 'not a tar archive' : 'corrupt tar archive';
      throw new InjectionError(`${what}: invalid header checksum at offset ${blockStart}`, 'NOT_TAR');
    }
    this.hold(this.block);
    const t = header.typeflag;
    if (t === 'x' || t === 'g' || t === 'L' || t === 'K') {
      if (header.size > MAX_EXTENDED_HEADER) {
        throw new InjectionError(`refusing a ${header.size}-byte extended tar header at offset ${blockStart}`, 'NOT_TAR');
      }
      this.groupOpen = t !== 'g';
      this.extendedType = t;
      this.extended = new Uint8Array(header.size);
      this.extendedFill = 0;
      this.remaining = Math.ceil(header.size / BLOCK) * BLOCK;
      this.state = 'extended';
      if (this.remaining === 0) this.finishExtended();
      return;
    }
    const name = this.pax.get('path') ?? this.longName ?? header.name;
    const linkname = this.pax.get('linkpath') ?? this.longLink ?? header.linkname;
    const paxSize = this.pax.get('size');
    const size = paxSize !== undefined ? Number(paxSize) : header.size;
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new InjectionError(`corrupt tar archive: bad size for ${JSON.stringify(name)}`, 'NOT_TAR');
    }
    this.pax = new Map();
    this.groupOpen = false;
    this.longName = undefined;
    this.longLink = undefined;
    const normalizedName = safeEntryName(name);
    checkLinkTarget(normalizedName, t, linkname);
    this.entryCount++;
    this.keep = this.options.onEntry({ name, normalizedName, typeflag: t, linkname, size, start: this.groupStart });
    if (this.keep && this.options.onOutput) for (const b of this.pending) this.options.onOutput(b);
    this.pending = [];
    const dataBytes = hasData(t) ? Math.ceil(size / BLOCK) * BLOCK : 0;
    // Old GNU sparse files: extension blocks follow the header while byte 482 (then 504) is set.
    if (t === 'S' && this.block[482] !== 0) {
      this.sparseAfter = { size: dataBytes };
      this.state = 'sparse';
      return;
    }
    this.startData(dataBytes);
  }

  private onSparseBlock(): void {
    if (this.keep && this.options.onOutput) this.options.onOutput(Uint8Array.from(this.block));
    if (this.block[504] === 0) {
      const size = this.sparseAfter!.size;
      this.sparseAfter = undefined;
      this.startData(size);
    }
  }

  private startData(bytes: number): void {
    this.remaining = bytes;
    this.state = bytes > 0 ? 'data' : 'header';
  }

  private finishExtended(): void {
    const data = this.extended;
    if (this.extendedType === 'x') {
      for (const [k, v] of parsePax(data)) this.pax.set(k, v);
    } else if (this.extendedType === 'L' || this.extendedType === 'K') {
      let end = data.indexOf(0);
      if (end < 0) end = data.length;
      const value = new TextDecoder().decode(data.subarray(0, end));
      if (this.extendedType === 'L') this.longName = value;
      else this.longLink = value;
    } else {
      // A global PAX header applies to the whole archive: pass it through as its own group.
      if (this.options.onOutput) for (const b of this.pending) this.options.onOutput(b);
      this.pending = [];
    }
    this.state = 'header';
  }
}
