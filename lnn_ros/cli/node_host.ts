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

/**
 * `--params-file` may also come outside `--ros-args` (plain CLI use); `--transport ros|in-process`
 * forces one. Other non-ROS arguments are refused: the node command takes its own flags out first.
 */
export async function hostNode(argv: string[], defaultName: string): Promise<NodeHost> {
  const ros = parseRosArgs(argv);
  let forced: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < ros.rest.length; i++) {
    const a = ros.rest[i];
    if (a === '--params-file' || a === '--transport') {
      const value = ros.rest[++i];
      if (value === undefined || value.startsWith('--')) throw new InputError(`${a} expects ${a === '--transport' ? 'ros or in-process' : 'a FILE'}`);
      if (a === '--params-file') ros.paramsFiles.push(value);
      else forced = value;
    } else rest.push(a);
  }
  if (rest.length > 0) throw new InputError(`unexpected arguments: ${rest.join(' ')}`);
  if (forced !== undefined && forced !== 'ros' && forced !== 'in-process') throw new InputError(`--transport expects ros or in-process, got '${forced}'`);
  const name = ros.nodeName ?? defaultName;
  const namespace = ros.namespace ?? '/';
  const loaded = loadNodeParameters(ros.paramsFiles, fullyQualifiedName(namespace, name), ros.overrides);
  const useRos = forced === undefined ? argv.includes('--ros-args') || Boolean(process.env.AMENT_PREFIX_PATH) : forced === 'ros';
  const transport = useRos ? await RclnodejsTransport.create(argv) : new InProcessTransport({ remaps: ros.remaps });
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
