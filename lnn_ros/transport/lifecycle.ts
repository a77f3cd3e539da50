/**
 * The managed-node state machine of ROS 2 (design.ros2.org/articles/node_lifecycle.html), for the
 * in-process transport; under rclnodejs its LifecycleNode (rcl_lifecycle) runs the same machine.
 * A callback that fails returns the node to the state it came from; shutdown finalizes from any
 * primary state.
 */
import { LifecycleCallbacks, LifecycleState, LifecycleTransition } from './types';

export const LIFECYCLE_STATES: readonly LifecycleState[] = ['unconfigured', 'inactive', 'active', 'finalized'];

/** Transition → [from states, goal state]. */
const TRANSITIONS: Record<LifecycleTransition, [LifecycleState[], LifecycleState]> = {
  configure: [['unconfigured'], 'inactive'],
  activate: [['inactive'], 'active'],
  deactivate: [['active'], 'inactive'],
  cleanup: [['inactive'], 'unconfigured'],
  shutdown: [['unconfigured', 'inactive', 'active'], 'finalized'],
};

export class LifecycleMachine {
  state: LifecycleState = 'unconfigured';

  constructor(private readonly callbacks: LifecycleCallbacks) {}

  /** Runs `transition`; returns why it was refused or failed, or null. */
  trigger(transition: LifecycleTransition): string | null {
    const [from, goal] = TRANSITIONS[transition];
    if (!from.includes(this.state)) return `no transition '${transition}' from state '${this.state}'`;
    const c = this.callbacks;
    const start = this.state;
    let failure: string | null;
    try {
      failure = { configure: () => c.onConfigure(), activate: () => c.onActivate(), deactivate: () => c.onDeactivate(), cleanup: () => c.onCleanup(), shutdown: () => c.onShutdown(start) }[transition]();
    } catch (e) {
      failure = (e as Error).message;
    }
    if (failure === null) this.state = goal;
    return failure;
  }
}
