/**
 * trainer_node: runs one training job (the `lnn-ros train` YAML), publishing TrainingProgress
 * after every epoch and, when it finishes, a latched ModelAnnouncement that drive nodes follow.
 * `bags` and `output` parameters, when set, replace the job's (so the shipped job trains on a
 * recording given at launch).
 */
import * as path from 'node:path';
import { ConfigObject, ReadLog } from '../config/config_object';
import { readYamlFile } from '../model/model_dir';
import { trainPolicy } from '../train/policy_trainer';
import { parseTrainConfig, PolicyTrainingConfig } from '../train/train_config';
import { ParameterDocs } from '../transport/parameter_docs';
import { LATCHED, RELIABLE } from '../transport/qos';
import { Publisher, toRosTime, TransportNode } from '../transport/types';

export interface TrainerNodeConfig {
  /** The training YAML (dataset, encoder, rnn, training, output). */
  job: string;
  /** Bags to train on instead of the job's (absolute). */
  bags: string[] | null;
  /** Where to write the policy instead of the job's `output` (absolute). */
  output: string | null;
  progressTopic: string;
  announceTopic: string;
  /** Exit 1 when the job fails; false stays up (serving the last announcement). */
  exitOnFailure: boolean;
  /** Replace an earlier policy directory at the output (never anything else). */
  overwrite: boolean;
  useSimTime: boolean;
}

export interface TrainerParseOptions {
  log?: ReadLog;
  /** The file a parameter came from: paths resolve against it (cwd when absent, as for `-p`). */
  sourceOf?: (name: string) => string | undefined;
}

export function parseTrainerConfig(params: Record<string, unknown>, file?: string, options: TrainerParseOptions = {}): TrainerNodeConfig {
  const c = ConfigObject.from(params, file, 'trainer_node.ros__parameters', options.log);
  c.rejectUnknown(['use_sim_time', 'job', 'bags', 'output', 'overwrite', 'progress_topic', 'announce_topic', 'exit_on_failure']);
  const resolve = (name: string, p: string) => {
    const source = options.sourceOf ? options.sourceOf(name) : file;
    return path.resolve(source ? path.dirname(path.resolve(source)) : process.cwd(), p);
  };
  return {
    useSimTime: c.bool('use_sim_time', false),
    job: resolve('job', c.string('job')),
    bags: c.has('bags') ? c.stringList('bags').map((b) => resolve('bags', b)) : null,
    output: c.has('output') ? resolve('output', c.string('output')) : null,
    progressTopic: c.string('progress_topic', 'lnn/training_progress'),
    announceTopic: c.string('announce_topic', 'lnn/model'),
    exitOnFailure: c.bool('exit_on_failure', true),
    overwrite: c.bool('overwrite', false),
  };
}

export const TRAINER_PARAMETER_DOCS: ParameterDocs = {
  use_sim_time: { description: 'Follow /clock for message stamps.' },
  job: { description: 'The training job YAML (dataset, encoder, rnn, training, output), as lnn-ros train --config reads it.' },
  bags: { description: "Bags to train on, replacing the job's dataset.bags." },
  output: { description: "Policy directory to write, replacing the job's output." },
  overwrite: { description: 'Replace an earlier policy directory at the output; anything else there is never replaced.' },
  progress_topic: { description: 'Topic of lnn_ros/TrainingProgress.' },
  announce_topic: { description: 'Topic of the latched lnn_ros/ModelAnnouncement of the trained policy.' },
  exit_on_failure: { description: 'Exit with status 1 when the job fails; false keeps the node up (serving the last announcement).' },
};

/** The job with the node's replacements applied. */
export function trainerJob(config: TrainerNodeConfig): PolicyTrainingConfig {
  const job = parseTrainConfig(readYamlFile(config.job), config.job);
  return { ...job, dataset: { ...job.dataset, bags: config.bags ?? job.dataset.bags }, output: config.output ?? job.output };
}

const STATUS = { running: 0, finished: 1, failed: 2, cancelled: 3 } as const;

export class TrainerNode {
  private readonly progress: Publisher;
  private readonly announce: Publisher;
  private readonly started = Date.now();
  private stopRequested = false;

  constructor(
    readonly node: TransportNode,
    readonly config: TrainerNodeConfig,
  ) {
    this.progress = node.createPublisher('lnn_ros/msg/TrainingProgress', config.progressTopic, RELIABLE);
    this.announce = node.createPublisher('lnn_ros/msg/ModelAnnouncement', config.announceTopic, LATCHED);
  }

  private report(status: number, fields: { epoch?: number; total?: number; train?: number; val?: number; message?: string }): void {
    this.progress.publish({
      header: { stamp: toRosTime(this.node.now()), frame_id: '' },
      run_id: path.basename(this.config.job, path.extname(this.config.job)),
      status,
      epoch: fields.epoch ?? 0,
      total_epochs: fields.total ?? 0,
      step: 0n,
      train_loss: fields.train ?? NaN,
      validation_loss: fields.val ?? NaN,
      learning_rate: NaN,
      elapsed: (Date.now() - this.started) / 1000,
      message: fields.message ?? '',
    });
  }

  /** Trains, announces the new policy; returns false (after reporting why) when the job failed. */
  async run(): Promise<boolean> {
    try {
      const job = trainerJob(this.config);
      if (job.dataset.bags.length === 0) throw new Error(`no bags to train on: set the bags parameter (or dataset.bags in ${this.config.job})`);
      const result = await trainPolicy(job, {
        progress: null,
        log: (l) => this.node.logger.info(l),
        onEpoch: (e, total) => this.report(STATUS.running, { epoch: e.epoch, total, train: e.train_loss, val: e.val_mse }),
        shouldStop: () => this.stopRequested,
        overwrite: this.config.overwrite,
      });
      this.report(STATUS.finished, { epoch: result.best_epoch, total: result.epochs.length, val: result.val_mse, message: `val_mse ${result.val_mse} vs baseline ${result.baseline_mse}` });
      this.announce.publish({
        header: { stamp: toRosTime(this.node.now()), frame_id: '' },
        model_dir: result.output,
        model_id: path.basename(result.output),
        cell_type: String(job.rnn.class ?? 'CfC').toLowerCase(),
        epoch: result.best_epoch,
        validation_loss: result.val_mse,
        metrics_path: path.join(result.output, 'metrics.json'),
      });
      this.node.logger.info(`announced ${result.output} on ${this.announce.topic}`);
      return true;
    } catch (e) {
      this.report(this.stopRequested ? STATUS.cancelled : STATUS.failed, { message: (e as Error).message });
      this.node.logger.error(`training ${this.stopRequested ? 'cancelled' : 'failed'}: ${(e as Error).message}`);
      return false;
    }
  }

  stop(): void {
    this.stopRequested = true;
  }
}
