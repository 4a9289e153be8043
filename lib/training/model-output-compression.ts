/**
 * How SageMaker uploads the model directory (`/opt/ml/model`) of a training job (`OutputDataConfig.CompressionType`).
 */
export class ModelOutputCompression {
  /** One `model.tar.gz` (gzip-compressed tar) under `<outputPrefix>/<job name>/output/`. SageMaker's default. */
  public static readonly GZIP = new ModelOutputCompression('GZIP');

  /**
   * The model directory as plain objects under an S3 prefix: nothing to compress after training nor to
   * decompress when an endpoint starts. SageMaker recommends it for large models (tens to hundreds of GB); the
   * endpoint then serves it as uncompressed model data (`ModelDataSource`, `CompressionType: None`).
   */
  public static readonly NONE = new ModelOutputCompression('NONE');

  /** `GZIP` or `NONE`, as the API spells it. */
  public readonly compressionType: string;

  private constructor(compressionType: string) {
    this.compressionType = compressionType;
  }

  public toString(): string {
    return this.compressionType;
  }
}
