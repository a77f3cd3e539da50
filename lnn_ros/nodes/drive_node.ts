/**
 * drive_node: camera and IMU in, commands out (the work is in DrivePipeline). This is its ROS
 * face: every parameter declared with a descriptor and run-time changes applied or refused with
 * the reason; a plain node configures and activates at once, a managed one follows lifecycle
 * transitions (configure loads and checks the policy, activate starts commands, deactivate
 * publishes stop, cleanup releases); diagnostics at a level a ROS 2 user can alarm on.
 */
import * as path from 'node:path';
import { ReadLog } from '../config/config_object';
import { ConfigError, InputError } from '../errors';
import { unflattenParameters } from '../transport/params';
import { RELIABLE } from '../transport/qos';
import { LifecycleCallbacks, ParameterChange, ParameterValue, Publisher, toRosTime, Transport, TransportNode } from '../transport/types';
import { DRIVE_PARAMETER_DOCS, DRIVE_PARAMS_ROOT, DRIVE_READ_ONLY_NOTE, DriveConfig, parseDriveConfig } from './drive_config';
import { DriveCounters, DrivePipeline, loadCompatiblePolicy, newCounters, SaliencyFrame } from './drive_pipeline';
import { parameterSpecs } from '../transport/parameter_docs';

export type { DriveCounters, SaliencyFrame } from './drive_pipeline';

/** diagnostic_msgs/msg/DiagnosticStatus levels. */
const LEVEL = { ok: 0, warn: 1, error: 2 } as const;

/** drive_node's parameters as they enter: a params-file section (nested), or built in code. */
export interface DriveParams {
  params: Record<string, unknown>;
  /** The params file that configures the node, for errors. */
  file?: string;
  /** The file each parameter came from (relative paths resolve against it); default `file`. */
  sourceOf?: (name: string) => string | undefined;
}

export interface DriveNodeOptions {
  /** Default `drive_node`. */
  name?: string;
  namespace?: string;
  /** A managed (lifecycle) node: starts unconfigured and waits for transitions. */
  managed?: boolean;
  /** In-process consumers of every saliency map (with `saliency.rate` > 0), raw values included. */
  onSaliency?: (frame: SaliencyFrame) => void;
}

export class DriveNode {
  readonly counters: DriveCounters = newCounters();
  private node!: TransportNode;
  private diagPub!: Publisher;
  private pipeline: DrivePipeline | null = null;
  /** The declared parameters' current values, by ROS name. */
  private values: Map<string, ParameterValue>;
  /** Set while the node updates its own `policy` parameter after a reload. */
  private selfUpdate = false;
  private dropsAtLastDiagnostics = 0;
  private stopped = false;

  private constructor(
    private config: DriveConfig,
    private readonly source: DriveParams,
    values: Map<string, ParameterValue>,
    private readonly onSaliency: DriveNodeOptions['onSaliency'],
  ) {
    this.values = values;
  }

  static async start(transport: Transport, source: DriveParams, options: DriveNodeOptions = {}): Promise<DriveNode> {
    const log = new ReadLog(DRIVE_PARAMS_ROOT);
    const config = parseDriveConfig(source.params, source.file, { log, sourceOf: source.sourceOf });
    const specs = parameterSpecs(log, DRIVE_PARAMETER_DOCS, DRIVE_READ_ONLY_NOTE);
    const drive = new DriveNode(config, source, new Map(specs.map((s) => [s.name, s.value])), options.onSaliency);
    drive.node = await transport.createNode(options.name ?? 'drive_node', {
      namespace: options.namespace,
      useSimTime: config.useSimTime,
      parameters: specs,
      onParameterChange: (changes) => drive.onParameterChange(changes),
      lifecycle: options.managed ? drive.lifecycleCallbacks() : undefined,
    });
    drive.diagPub = drive.node.createPublisher('diagnostic_msgs/msg/DiagnosticArray', config.diagnostics.topic, RELIABLE);
    drive.node.createTimer(config.diagnostics.period, () => drive.publishDiagnostics());
    if (!options.managed) {
      const failure = drive.configure() ?? drive.activate();
      if (failure !== null) {
        drive.node.destroy();
        throw new InputError(failure);
      }
    }
    return drive;
  }

  /** The node on its transport: its parameters and lifecycle, as ROS tooling sees them. */
  get transportNode(): TransportNode {
    return this.node;
  }

  private lifecycleCallbacks(): LifecycleCallbacks {
    return {
      onConfigure: () => this.configure(),
      onActivate: () => this.activate(),
      onDeactivate: () => this.deactivate(),
      onCleanup: () => this.cleanup(),
      onShutdown: () => this.release(),
    };
  }

  /** Loads and checks the policy, subscribes and advertises; returns why it cannot. */
  private configure(): string | null {
    try {
      const policy = loadCompatiblePolicy(this.config.policy, this.config);
      this.pipeline = new DrivePipeline(this.node, this.config, policy, this.counters, (dir) => this.onSwitched(dir), this.onSaliency);
      return null;
    } catch (e) {
      return `cannot configure with the policy in ${this.config.policy}: ${(e as Error).message}`;
    }
  }

  private activate(): string | null {
    if (!this.pipeline) return 'not configured';
    this.pipeline.activate();
    return null;
  }

  private deactivate(): string | null {
    this.pipeline?.deactivate();
    return null;
  }

  private cleanup(): string | null {
    this.pipeline?.destroy();
    this.pipeline = null;
    return null;
  }

  /** Publishes stop if commanding, then releases everything (lifecycle shutdown, or the end of a plain node). */
  private release(): string | null {
    this.deactivate();
    return this.cleanup();
  }

  /**
   * A run-time change: the whole parameter set is validated again as at start-up (so cross-key
   * rules hold), then applied; a new `policy` must load and fit before it is swapped in.
   */
  private onParameterChange(changes: readonly ParameterChange[]): string | null {
    if (this.selfUpdate) return null;
    const values = new Map(this.values);
    for (const c of changes) values.set(c.name, c.value);
    const changed = new Set(changes.map((c) => c.name));
    let next: DriveConfig;
    try {
      next = parseDriveConfig(unflattenParameters(values), this.source.file, {
        // A value set at run time resolves against the working directory, as a -p override does.
        sourceOf: (name) => (changed.has(name) ? undefined : (this.source.sourceOf ?? (() => this.source.file))(name)),
      });
    } catch (e) {
      // The node's live parameters were checked, not the params file: name the parameter only.
      if (e instanceof ConfigError && e.key.startsWith(`${DRIVE_PARAMS_ROOT}.`)) return `${e.key.slice(DRIVE_PARAMS_ROOT.length + 1)}: ${e.problem}`;
      return (e as Error).message;
    }
    if (changed.has('policy') && this.pipeline) {
      const failure = this.pipeline.switchTo(next.policy);
      if (failure) return `keeping the running policy: cannot switch to ${next.policy}: ${failure}`;
    }
    this.pipeline?.reconfigure(next);
    this.config = next;
    this.values = values;
    if (changed.has('policy')) values.set('policy', next.policy);
    return null;
  }

  /** After an announced or watched reload: `ros2 param get policy` names the live policy. */
  private onSwitched(dir: string): void {
    this.config = { ...this.config, policy: dir };
    this.values.set('policy', dir);
    this.selfUpdate = true;
    try {
      const refused = this.node.setParameters([{ name: 'policy', value: dir }]);
      if (refused) this.node.logger.warn(`the policy parameter still names the old policy: ${refused}`);
    } finally {
      this.selfUpdate = false;
    }
  }

  private publishDiagnostics(): void {
    if (this.stopped) return;
    const state = this.node.lifecycleState();
    const health = this.pipeline?.health();
    const drops = Object.values(this.counters.dropped).reduce((a, b) => a + b, 0);
    const newDrops = drops - this.dropsAtLastDiagnostics;
    this.dropsAtLastDiagnostics = drops;
    const stale = health?.stale.filter((s) => s.ageS !== Infinity) ?? [];
    const waiting = health?.stale.filter((s) => s.ageS === Infinity) ?? [];
    let level: number = LEVEL.ok;
    let message = 'driving';
    if (!health) [level, message] = [LEVEL.error, state === 'unconfigured' ? 'unconfigured: no policy loaded' : `${state}: no policy loaded`];
    else if (!this.pipeline!.isActive) [level, message] = [LEVEL.error, `${state}: not commanding`];
    else if (stale.length) [level, message] = [LEVEL.error, `stale input: ${stale.map((s) => `${s.name} (no valid message for ${s.ageS.toFixed(2)} s)`).join(', ')}; publishing stop`];
    else if (waiting.length) [level, message] = [LEVEL.error, `waiting for input: ${waiting.map((s) => s.name).join(', ')}; publishing stop`];
    else if (health.stopped) [level, message] = [LEVEL.error, 'no valid command within the watchdog timeout; publishing stop'];
    else if (newDrops > 0) [level, message] = [LEVEL.warn, `driving; ${newDrops} input message(s) dropped since the last report`];
    const c = this.counters;
    const values: Array<[string, unknown]> = [
      ['lifecycle_state', state],
      ...(health?.values ?? []),
      ...Object.entries(c.received).map(([k, v]) => [`received.${k}`, v] as [string, unknown]),
      ['steps', c.steps],
      ['commands', c.commands],
      ...Object.entries(c.dropped).map(([k, v]) => [`dropped.${k}`, v] as [string, unknown]),
      ...Object.entries(c.resets).map(([k, v]) => [`resets.${k}`, v] as [string, unknown]),
      ['reloads', c.reloads],
      ['reload_failures', c.reloadFailures],
      ['watchdog_stops', c.watchdogStops],
    ];
    this.diagPub.publish({
      header: { stamp: toRosTime(this.node.now()), frame_id: '' },
      status: [{ level, name: `lnn_ros: ${this.node.name}`, message, hardware_id: path.basename(this.config.policy), values: values.map(([key, value]) => ({ key, value: String(value) })) }],
    });
  }

  /** Publishes stop (if commanding), releases the policy and leaves the graph: what a signal ends with. */
  stop(): void {
    if (this.stopped) return;
    // A managed node goes through its shutdown transition (which releases); a plain one, or a
    // managed one already finalized, releases directly (a no-op when nothing is held).
    if (this.node.transition('shutdown') !== null) this.release();
    this.stopped = true;
    this.node.destroy();
  }
}
