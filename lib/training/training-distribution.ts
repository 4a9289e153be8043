import { IConstruct } from 'constructs';
import { InstanceType } from '../core/instance-type';
import { ValidationError } from '../common/validation';

/**
 * How the SageMaker PyTorch training toolkit launches the script on the job's instances.
 */
export class TrainingDistribution {
  /** Run the entry point once per instance with `python` (the toolkit's default). */
  public static readonly NONE = new TrainingDistribution('none');

  /**
   * `torch_distributed`: the toolkit launches the script with `torchrun`, one process per GPU (or Neuron core) on
   * every instance, and sets the rendezvous variables. Same as the SDK's
   * `distribution={"torch_distributed": {"enabled": True}}`.
   */
  public static readonly TORCH_DISTRIBUTED = new TrainingDistribution('torch_distributed');

  /** `none` or `torch_distributed`. */
  public readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  /**
   * The `sagemaker_*` hyperparameters (already JSON-encoded, as the SDK writes them) that select this distribution.
   * @internal
   */
  public _hyperparameters(scope: IConstruct, instanceType: InstanceType): { [key: string]: string } {
    if (this.name === 'none') {
      return {};
    }
    if (!instanceType.hasGpu && !instanceType.family.startsWith('trn')) {
      throw new ValidationError(`TrainingDistribution.TORCH_DISTRIBUTED needs GPU or Trainium instances (torchrun starts one process per device); ${instanceType.name} has neither. Use TrainingDistribution.NONE or a g*, p* or trn* instance type.`, scope);
    }
    return {
      sagemaker_torch_distributed_enabled: 'true',
      sagemaker_instance_type: JSON.stringify(instanceType.name),
    };
  }
}
