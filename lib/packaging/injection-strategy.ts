/**
 * How the inference code gets into the model archive. Every strategy reads the whole original, refuses an archive
 * that GNU tar, Python tarfile and bsdtar would read differently, writes a new object and never modifies the
 * original; they differ in what they rewrite. (`TAIL`, which read only the end of the archive and could not prove
 * its output, was removed in 0.2.0: use `SCAN` or `AUTO`.)
 */
export class InjectionStrategy {
  /**
   * `SCAN` for a gzip archive without a `code/` directory, `STREAM` when the archive already has `code/` (its
   * entries are replaced, never duplicated), is a plain tar, or `SCAN` cannot prove its patch. The default.
   */
  public static readonly AUTO = new InjectionStrategy('auto');

  /**
   * One inflate pass over the whole archive (verifies its CRC32 and size, walks every tar header, fails if
   * `code/` already exists), then only the end of the archive is rewritten: the compressed model bytes before
   * the cut are copied unchanged (server side on S3). Time grows with the archive's size (about 215 MB/s of
   * inflate per core), but nothing of the model is recompressed.
   */
  public static readonly SCAN = new InjectionStrategy('scan');

  /**
   * Decompresses, drops any old `code/` entries, adds the new ones and recompresses on every core, never
   * holding the archive in memory or on disk. Works for every input, at about 3x the time of `SCAN`.
   */
  public static readonly STREAM = new InjectionStrategy('stream');

  /** The strategy's name, as the engine and the command-line tool spell it. */
  public readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  public toString(): string {
    return this.name;
  }
}
