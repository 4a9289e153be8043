import { InstanceType } from '../core/instance-type';

/**
 * The plain values of a `RealtimeEndpoint`, defaulted and checked: what the renderers of its resources read instead
 * of the raw props, so that the checks of plain values live in one place and run before any resource is created.
 * Options that bind resources (image, model data, VPC, data capture) are checked by their own binders.
 */
export interface EndpointSettings {
  readonly instanceType: InstanceType;
  readonly instanceCount: number;
  /** Whole GiB, or undefined for SageMaker's default. */
  readonly volumeSizeInGb?: number;
  /** Whole seconds, or undefined for SageMaker's default. */
  readonly modelDataDownloadTimeoutInSeconds?: number;
  /** Whole seconds, or undefined for SageMaker's default. */
  readonly containerStartupHealthCheckTimeoutInSeconds?: number;
  /** The serving container's environment: the library's serving variables with the user's on top. */
  readonly environment: { [key: string]: string };
  readonly variantName: string;
  readonly endpointName: string;
}
