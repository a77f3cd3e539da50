/**
 * What every node command shares: ROS arguments, this node's section of the params files (matched
 * by its fully qualified name as rclcpp matches it), the transport (rclnodejs when ROS 2 arguments
 * or a sourced ROS 2 say so, else in-process), and the end: on SIGINT/SIGTERM (cli/interrupt, the
 * one signal path) the node stops cleanly — drive_node publishes its final stop — and the
 * process exits 0, as a ROS 2 node asked to stop does.
 */
import { InputError } from '../errors';
import { InProcessTransport } from '../transport/in_process';
import { fullyQualifiedName } from '../transport/names';
import { loadNodeParameters, parseRosArgs, RosArgs } from '../transport/params';
import { RclnodejsTransport } from '../transport/rclnodejs_transport';
import { Transport } from '../transport/types';
import { option } from './args';
import { Interrupt } from './interrupt';

export interface NodeHost {
  name: string;
  /** `/` unless `__ns` says otherwise. */
  namespace: string;
  /** This node's parameters, nested (params files merged, `-p` overrides applied), validated by the node. */
  params: Record<string, unknown>;
  /** The params file that configures this node by name, for error messages. */
  paramsFile: string | undefined;
  /** The file each parameter came from (undefined: a `-p` override). */
  sourceOf: (name: string) => string | undefined;
  transport: Transport;
  ros: RosArgs;
}

/** The options every node command takes besides `--ros-args ...` (for parseCommandLine). */
export const NODE_OPTIONS = {
  /** Also accepted outside `--ros-args`, for plain CLI use; files add up, later ones win. */
  'params-file': option.string('FILE').repeatable(),
  /** Forces a transport: otherwise rclnodejs when `--ros-args` is given or ROS 2 is sourced. */
  transport: option.oneOf(['ros', 'in-process'] as const),
};

export interface NodeCommandLine {
  paramsFiles: string[];
  transport: 'ros' | 'in-process' | undefined;
  /** `--ros-args` and what follows (remaps, params files, -p), as ros2 run / ros2 launch pass them. */
  rosArgs: string[];
}

export async function hostNode(cli: NodeCommandLine, defaultName: string): Promise<NodeHost> {
  const ros = parseRosArgs(cli.rosArgs);
  const paramsFiles = [...cli.paramsFiles, ...ros.paramsFiles];
  if (paramsFiles.length === 0) throw new InputError('--params-file FILE is required (ROS 2 params layout: <node>: ros__parameters: ...)');
  const name = ros.nodeName ?? defaultName;
  const namespace = ros.namespace ?? '/';
  const loaded = loadNodeParameters(paramsFiles, fullyQualifiedName(namespace, name), ros.overrides);
  const useRos = cli.transport === undefined ? cli.rosArgs.length > 0 || Boolean(process.env.AMENT_PREFIX_PATH) : cli.transport === 'ros';
  const transport = useRos ? await RclnodejsTransport.create(cli.rosArgs) : new InProcessTransport({ remaps: ros.remaps });
  return { name, namespace, params: loaded.params, paramsFile: loaded.file, sourceOf: (n) => (loaded.sources.has(n) ? loaded.sources.get(n) : loaded.file), transport, ros };
}

export interface RunOptions {
  /** What stopping means for this node (drive_node: publish stop and release); runs once. */
  stop: () => void | Promise<void>;
  /** Resolves with an exit code when the node ends by itself (a trainer whose job failed). */
  finished?: Promise<number>;
}

/** Spins until a stop is requested (or the node ends by itself), stops it, shuts the transport down; resolves with the exit code. */
export async function runUntilStopped(host: NodeHost, options: RunOptions): Promise<number> {
  const interrupt = Interrupt.watch();
  host.transport.spin();
  const code = await Promise.race([interrupt.stopped().then(() => 0), options.finished ?? new Promise<number>(() => {})]);
  await options.stop();
  await host.transport.shutdown();
  return code;
}
