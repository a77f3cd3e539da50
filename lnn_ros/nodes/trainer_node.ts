/**
 * trainer_node: runs one training job (the `lnn-ros train` YAML), publishing TrainingProgress
 * after every epoch and, when it finishes, a latched ModelAnnouncement that drive nodes follow.
 */
import * as path from 'node:path';
import { ConfigObject } from '../config/config_object';
import { readYamlFile } from '../model/model_dir';
import { trainPolicy } from '../train/policy_trainer';
import { parseTrainConfig } from '../train/train_config';
import { LATCHED, RELIABLE } from '../transport/qos';
import { Publisher, toRosTime, TransportNode } from '../transport/types';

export interface TrainerNodeConfig {
  /** The training YAML (dataset, encoder, rnn, training, output). */
  job: string;
  progressTopic: string;
  announceTopic: string;
}

export function parseTrainerConfig(params: Record<string, unknown>, file?: string): TrainerNodeConfig {
  const c = ConfigObject.from(params, file, 'trainer_node.ros__parameters');
  c.rejectUnknown(['use_sim_time', 'job', 'progress_topic', 'announce_topic']);
  const base = file ? path.dirname(path.resolve(file)) : process.cwd();
  return {
    job: path.resolve(base, c.string('job')),
    progressTopic: c.string('progress_topic', '/lnn/training_progress'),
    announceTopic: c.string('announce_topic', '/lnn/model'),
  };
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
      const job = parseTrainConfig(readYamlFile(this.config.job), this.config.job);
      const result = await trainPolicy(job, {
        progress: null,
        log: (l) => this.node.logger.info(l),
        onEpoch: (e, total) => this.report(STATUS.running, { epoch: e.epoch, total, train: e.train_loss, val: e.val_mse }),
        shouldStop: () => this.stopRequested,
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
      return true;
    } catch (e) {
      this.report(this.stopRequested ? STATUS.cancelled : STATUS.failed, { message: (e as Error).message });
      this.node.logger.error(`training failed: ${(e as Error).message}`);
      return false;
    }
  }

  stop(): void {
    this.stopRequested = true;
  }
}
