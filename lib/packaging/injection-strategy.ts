/**
 * How the inference code gets into the model archive. All strategies write a new object and never modify the
 * original; they differ in what they read and what they can see.
 */
export class InjectionStrategy {
  /**
   * `SCAN` for a gzip archive without a `code/` directory, `STREAM` when the archive already has `code/` (its
   * entries are replaced, never duplicated) or is a plain tar. The default.
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
   * Reads only the last few hundred KB to a few MiB of the archive and patches its end: constant time whatever
   * the model's size. It cannot see a `code/` directory outside that tail nor verify the input's CRC, so use it
   * only for archives you vouch for (e.g. straight from a training job); it refuses, rather than guesses,
   * whenever the tail does not resolve.
   */
  public static readonly TAIL = new InjectionStrategy('tail');

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
