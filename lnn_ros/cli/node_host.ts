/**
 * What every node command shares: ROS arguments, the params file section of this node, the
 * transport (rclnodejs when ROS 2 arguments or a sourced ROS 2 say so, else in-process), and a
 * clean shutdown on SIGINT/SIGTERM.
 */
import { InputError } from '../errors';
import { InProcessTransport } from '../transport/in_process';
import { applyOverrides, loadNodeParameters, parseRosArgs, RosArgs } from '../transport/params';
import { RclnodejsTransport } from '../transport/rclnodejs_transport';
import { Transport } from '../transport/types';

export interface NodeHost {
  name: string;
  /** This node's validated-later parameters (params files merged, `-p` overrides applied). */
  params: Record<string, unknown>;
  /** The params file that configures this node by name, for error messages and relative paths. */
  paramsFile: string | undefined;
  transport: Transport;
  ros: RosArgs;
}

/** `--params-file` may also come outside `--ros-args` (plain CLI use); `--transport` forces one. */
export async function hostNode(argv: string[], defaultName: string): Promise<NodeHost> {
  const ros = parseRosArgs(argv);
  const rest: string[] = [];
  let forced: string | undefined;
  for (let i = 0; i < ros.rest.length; i++) {
    if (ros.rest[i] === '--params-file') ros.paramsFiles.push(ros.rest[++i]);
    else if (ros.rest[i] === '--transport') forced = ros.rest[++i];
    else rest.push(ros.rest[i]);
  }
  if (rest.length > 0) throw new InputError(`unexpected arguments: ${rest.join(' ')}`);
  if (ros.paramsFiles.length === 0) throw new InputError('--params-file FILE is required (ROS 2 params layout: <node>: ros__parameters: ...)');
  const name = ros.nodeName ?? defaultName;
  const loaded = loadNodeParameters(ros.paramsFiles, name);
  const params = applyOverrides(loaded.params, ros.overrides);
  const useRos = forced === undefined ? argv.includes('--ros-args') || Boolean(process.env.AMENT_PREFIX_PATH) : forced === 'ros';
  if (forced !== undefined && forced !== 'ros' && forced !== 'in-process') throw new InputError(`--transport must be ros or in-process, got '${forced}'`);
  const transport = useRos ? await RclnodejsTransport.create(argv) : new InProcessTransport();
  return { name, params, paramsFile: loaded.file, transport, ros };
}

/** Spins until SIGINT/SIGTERM, then runs `cleanup` (e.g. publish stop) and shuts the transport down. */
export function spinUntilSignal(host: NodeHost, cleanup: () => void | Promise<void>): Promise<number> {
  host.transport.spin();
  return new Promise((resolve) => {
    const done = async () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      await cleanup();
      await host.transport.shutdown();
      resolve(0);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
