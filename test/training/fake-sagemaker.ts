import { TrainingJobDescription, TrainingJobsApi } from '../../lib/training/runtime/lifecycle';

/** A stand-in for SageMaker: the one place a fake is allowed, since nothing here can run SageMaker. */
export class FakeSageMaker implements TrainingJobsApi {
  public readonly jobs = new Map<string, TrainingJobDescription>();
  public readonly calls: string[] = [];
  public readonly signals: Array<{ url: string; body: any }> = [];
  public createError?: Error;

  async createTrainingJob(request: { [key: string]: any }) {
    const name = String(request.TrainingJobName);
    this.calls.push(`create ${name}`);
    if (this.createError) throw this.createError;
    if (this.jobs.has(name)) throw Object.assign(new Error(`Training job names must be unique: ${name}`), { name: 'ResourceInUse' });
    this.jobs.set(name, {
      status: 'InProgress',
      hyperParameters: request.HyperParameters,
      roleArn: request.RoleArn,
      trainingImage: request.AlgorithmSpecification.TrainingImage,
      s3OutputPath: request.OutputDataConfig.S3OutputPath,
    });
  }
  async describeTrainingJob(name: string) {
    this.calls.push(`describe ${name}`);
    return this.jobs.get(name);
  }
  async stopTrainingJob(name: string) {
    this.calls.push(`stop ${name}`);
    this.jobs.set(name, { ...this.jobs.get(name)!, status: 'Stopping' });
  }
  async listCompletedTrainingJobs(prefix: string) {
    this.calls.push(`list ${prefix}`);
    return [...this.jobs.entries()].filter(([n, j]) => n.includes(prefix) && j.status === 'Completed').map(([n]) => n).reverse();
  }
  async signalWaitCondition(url: string, body: string) {
    this.signals.push({ url, body: JSON.parse(body) });
  }
  /** What SageMaker does when a job ends well. */
  complete(name: string) {
    this.jobs.set(name, { ...this.jobs.get(name)!, status: 'Completed', modelArtifacts: `s3://out/training/${name}/output/model.tar.gz` });
  }
}
