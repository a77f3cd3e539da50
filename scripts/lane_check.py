#!/usr/bin/env python3
"""Fails (exit 1) if the robot leaves the lane of worlds/lane_world.sdf within DURATION seconds
of sim time: reads /ground_truth/odom and checks the distance from the circular road's centre
line. Used by the Gazebo job of .github/workflows/ci.yml (not exercised in this repository's CI).
usage: python3 scripts/lane_check.py [DURATION_S]
"""
import math
import sys

import rclpy
from nav_msgs.msg import Odometry
from rclpy.node import Node

RADIUS = 20.0
HALF_WIDTH = 2.0
ROBOT_HALF_WIDTH = 0.35


class LaneCheck(Node):
    def __init__(self, duration):
        super().__init__("lane_check", parameter_overrides=[rclpy.parameter.Parameter("use_sim_time", value=True)])
        self.duration = duration
        self.start = None
        self.worst = 0.0
        self.failed = False
        self.done = False
        self.create_subscription(Odometry, "/ground_truth/odom", self.on_odom, 10)

    def on_odom(self, msg):
        t = msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9
        self.start = t if self.start is None else self.start
        p = msg.pose.pose.position
        error = abs(math.hypot(p.x, p.y) - RADIUS)
        self.worst = max(self.worst, error)
        if error > HALF_WIDTH - ROBOT_HALF_WIDTH:
            self.get_logger().error(f"left the lane at t={t - self.start:.1f}s: {error:.2f} m from the centre line")
            self.failed = self.done = True
        elif t - self.start >= self.duration:
            self.done = True


def main():
    rclpy.init()
    node = LaneCheck(float(sys.argv[1]) if len(sys.argv) > 1 else 120.0)
    while rclpy.ok() and not node.done:
        rclpy.spin_once(node, timeout_sec=1.0)
    print(f"worst distance from the centre line: {node.worst:.2f} m")
    sys.exit(1 if node.failed else 0)


if __name__ == "__main__":
    main()
