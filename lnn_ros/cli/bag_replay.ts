/**
 * A bag's policy inputs played into the in-process transport as a robot's sensors would publish
 * them: in log order, /clock following the header stamps (nodes run on sim time), each message
 * delivered before the next is read. What `eval` and `saliency` replay through drive_node.
 */
import * as path from 'node:path';
import { headerStamp } from '../bag/dataset/feature_extractor';
import { openBag } from '../bag/open';
import { InputError } from '../errors';
import { readYamlFile } from '../model/model_dir';
import { InProcessTransport } from '../transport/in_process';
import { RELIABLE, SENSOR_DATA } from '../transport/qos';
import { toRosTime } from '../transport/types';
import type { Interrupt } from './interrupt';

export interface TopicOfType {
  topic: string;
  type: string;
}

/** What a policy directory says it was trained on: its inputs, and the target when it has one. */
export function policyTopics(policyDir: string): { inputs: TopicOfType[]; target?: TopicOfType & { fields: string[] } } {
  const file = path.join(policyDir, 'policy.yaml');
  const doc = readYamlFile(file) as { inputs?: { dataset?: TopicOfType[]; target?: TopicOfType & { fields: string[] } } };
  if (!doc.inputs?.dataset) throw new InputError(`${file}: inputs.dataset missing (train it with lnn-ros train)`);
  return { inputs: doc.inputs.dataset, target: doc.inputs.target };
}

export interface ReplayOptions {
  /** Read in the same pass and handed to `onOther` instead of being published. */
  otherTopics?: string[];
  /**
   * `timeNs`: the message's header stamp, or for a type without one its log time moved onto the
   * header clock (by the offset of the latest input message).
   */
  onOther?: (topic: string, message: unknown, timeNs: bigint) => void;
  /** Polled after every message; the replay ends when a stop is requested. */
  interrupt: Interrupt;
}

/** Plays `inputs` from `bagPath`; inputs without a header stamp cannot be timed and are skipped. */
export async function replayBag(transport: InProcessTransport, bagPath: string, inputs: TopicOfType[], o: ReplayOptions): Promise<void> {
  const player = await transport.createNode('bag_player', { useSimTime: true });
  const clock = player.createPublisher('rosgraph_msgs/msg/Clock', '/clock', RELIABLE);
  const publishers = new Map(inputs.map((i) => [i.topic, player.createPublisher(i.type, i.topic, SENSOR_DATA)]));
  const bag = await openBag(bagPath);
  let offsetNs = 0n; // header clock − log clock
  let last = 0n;
  try {
    for await (const m of bag.messages({ topics: [...publishers.keys(), ...(o.otherTopics ?? [])] })) {
      const msg = m.decoded();
      const stamp = headerStamp(msg);
      const publisher = publishers.get(m.topic);
      if (!publisher) {
        o.onOther?.(m.topic, msg, stamp ?? m.logTimeNs + offsetNs);
        continue;
      }
      if (stamp === undefined) continue;
      offsetNs = stamp - m.logTimeNs;
      if (stamp > last) clock.publish({ clock: toRosTime(stamp) });
      last = stamp > last ? stamp : last;
      publisher.publish(msg);
      transport.flush();
      if (await o.interrupt.poll()) break;
    }
  } finally {
    bag.close();
    player.destroy();
  }
}
