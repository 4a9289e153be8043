import { Construct, IDependable } from 'constructs';
import { ModelData } from './core';
import { InferenceCode, InferenceCodeInjection, InferenceCodeInjectionOptions } from './packaging';
import { TrainingJob, TrainingJobProps } from './training';

/** Where a served model comes from: an artifact or a training job, and the inference code injected into it. */
export interface ServedModelSource {
  readonly model?: ModelData;
  readonly training?: TrainingJobProps;
  readonly inferenceCode?: InferenceCode;
  readonly codeInjection?: InferenceCodeInjectionOptions;
}

/** The model data to serve, and what produced it. */
export interface ServedModel {
  readonly trainingJob?: TrainingJob;
  readonly codeInjection?: InferenceCodeInjection;
  /** The model data to serve (the injected copy when `inferenceCode` is given). */
  readonly servedModelData: ModelData;
  /**
   * What whatever serves `servedModelData` must wait for: a trained artifact exists only once the job has
   * completed (the injection already waits for it when there is one).
   */
  readonly servingDependency?: IDependable;
}

/**
 * The network isolation of what serves a model, as its messages name the setting: where they say it is on
 * (`endpoint.enableNetworkIsolation` in the composite's props) and where they say to turn it off.
 */
export interface NetworkIsolationNames {
  readonly on: string;
  readonly off: string;
}

/**
 * The rules of a model source, each message saying what to change: exactly one of `model` and `training`;
 * `codeInjection` only with `inferenceCode`; no `requirements.txt` with network isolation (the serving container
 * pip-installs it at start-up and cannot reach a package index when isolated). `isolation` is undefined when the
 * containers have network access. `fail` throws (naming the construct).
 */
export function checkServedModelSource(
  source: ServedModelSource, isolation: NetworkIsolationNames | undefined, fail: (message: string) => never,
): void {
  if (source.model && source.training) {
    fail('Give either model (an artifact you have) or training (train it during the deploy), not both.');
  }
  if (!source.model && !source.training) {
    fail('Give the model to serve: model (e.g. ModelData.fromAsset(\'model.tar.gz\')) or training (a training job).');
  }
  if (source.codeInjection && !source.inferenceCode) {
    fail('codeInjection configures the injection of inferenceCode: set inferenceCode as well, or remove codeInjection.');
  }
  // A failed install stops the container, so an isolated endpoint would never become healthy.
  if (isolation && source.inferenceCode?.hasRequirements) {
    fail(`${isolation.on} is on, but ${source.inferenceCode.directory}/requirements.txt names packages: the container ` +
      'installs them with pip at start-up and cannot reach a package index when isolated. Vendor the packages into ' +
      `the code directory and empty requirements.txt, or turn ${isolation.off} off.`);
  }
}

/**
 * Creates the training job (`Training`) and the code injection (`CodeInjection`) under `scope` as the source asks,
 * and returns the model data to serve: the artifact or the job's output, with the inference code injected into a
 * new, content-addressed copy when `inferenceCode` is given (the original is never modified).
 */
export function bindServedModel(scope: Construct, source: ServedModelSource): ServedModel {
  const trainingJob = source.training ? new TrainingJob(scope, 'Training', source.training) : undefined;
  const original = source.model ?? trainingJob!.modelData;
  if (!source.inferenceCode) {
    return { trainingJob, servedModelData: original, servingDependency: trainingJob?.completion };
  }
  // The injection decides how: a patch of a model.tar.gz, or a server-side copy of an uncompressed prefix.
  const codeInjection = new InferenceCodeInjection(scope, 'CodeInjection', {
    ...source.codeInjection,
    modelData: original,
    inferenceCode: source.inferenceCode,
  });
  // The trained artifact exists only once the job has completed, not when it is started.
  if (trainingJob) codeInjection.node.addDependency(trainingJob.completion);
  return { trainingJob, codeInjection, servedModelData: codeInjection.modelData };
}
