#!/usr/bin/env python3
"""Frame→command latency of a running drive_node over DDS, and its CPU use (run by hand in a
sourced ROS 2 shell, with drive_node started from config/drive.yaml; not part of CI).

Publishes camera frames (rgb8, WIDTHxHEIGHT) at 20 Hz and IMU at 100 Hz from rclpy, stamped with
the wall clock, on camera/image_raw and imu/data (sensor-data QoS), and times from each frame's
publish to the next command on cmd_vel (drive_node steps and commands once per frame with
step_on: camera). Reports p50/p99/max over the frames after a warm-up, the CPU drive_node used
(from /proc/PID/stat) while they ran, and drive_node's own latency split from /diagnostics (frame
age on arrival, callback, encoder + cell + head, over its last 1,000 steps). Example:

    ros2 run lnn_ros drive_node --ros-args --params-file $(ros2 pkg prefix lnn_ros)/share/lnn_ros/config/drive.yaml &
    python3 bench/dds_latency.py --size 640x480 --frames 1200 --pid $(pgrep -f 'lnn-ros.js drive')
"""
import argparse
import json
import os
import threading
import time

import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import Twist
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image, Imu


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


class Probe(Node):
    def __init__(self, width, height, frames, warmup):
        super().__init__('lnn_latency_probe')
        self.width, self.height = width, height
        self.frames, self.warmup = frames, warmup
        self.camera = self.create_publisher(Image, 'camera/image_raw', qos_profile_sensor_data)
        self.imu = self.create_publisher(Imu, 'imu/data', qos_profile_sensor_data)
        self.create_subscription(Twist, 'cmd_vel', self.on_command, 10)
        # drive_node's own split of the time: frame age on arrival, callback, encoder + cell + head.
        self.create_subscription(DiagnosticArray, '/diagnostics', self.on_diagnostics, 10)
        self.diagnostics = {}
        self.pixels = bytes((i * 7) % 256 for i in range(width * height * 3))
        self.lock = threading.Lock()
        self.pending = None
        self.sent = 0
        self.latencies = []
        self.unanswered = 0
        self.done = threading.Event()

    def stamp(self, msg):
        t = time.time_ns()
        msg.header.stamp.sec, msg.header.stamp.nanosec = divmod(t, 1_000_000_000)

    def publish_imu(self):
        m = Imu()
        self.stamp(m)
        m.angular_velocity.z = 0.01
        m.linear_acceleration.z = 9.8
        self.imu.publish(m)

    def publish_frame(self):
        m = Image()
        self.stamp(m)
        m.height, m.width, m.encoding, m.step = self.height, self.width, 'rgb8', self.width * 3
        m.data = self.pixels
        with self.lock:
            if self.pending is not None:
                self.unanswered += 1
            self.pending = time.perf_counter()
        self.camera.publish(m)
        self.sent += 1

    def on_diagnostics(self, msg):
        for status in msg.status:
            if status.name.startswith('lnn_ros:'):
                self.diagnostics = {v.key: v.value for v in status.values if 'ms.' in v.key}

    def on_command(self, _msg):
        now = time.perf_counter()
        with self.lock:
            if self.pending is None:
                return
            latency, self.pending = now - self.pending, None
        if self.sent > self.warmup:
            self.latencies.append(latency)
        if len(self.latencies) >= self.frames:
            self.done.set()


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(p * len(s)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', default='200x78', help='WIDTHxHEIGHT of the rgb8 frames (default 200x78)')
    parser.add_argument('--frames', type=int, default=1200, help='frames measured after the warm-up')
    parser.add_argument('--warmup', type=int, default=60)
    parser.add_argument('--pid', type=int, help="drive_node's process id, for its CPU use")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split('x'))
    rclpy.init()
    probe = Probe(width, height, args.frames, args.warmup)
    executor = SingleThreadedExecutor()
    executor.add_node(probe)
    spinner = threading.Thread(target=executor.spin, daemon=True)
    spinner.start()
    time.sleep(2.0)  # discovery
    cpu0, wall0 = (cpu_seconds(args.pid) if args.pid else None), time.perf_counter()
    start = time.perf_counter()
    tick = 0
    # 100 Hz IMU, a frame every fifth tick (20 Hz), on an absolute schedule.
    while not probe.done.is_set() and tick < (args.frames + args.warmup) * 5 * 2:
        probe.publish_imu()
        if tick % 5 == 0:
            probe.publish_frame()
        tick += 1
        time.sleep(max(0.0, start + tick * 0.01 - time.perf_counter()))
    wall = time.perf_counter() - wall0
    cpu = (cpu_seconds(args.pid) - cpu0) / wall if args.pid else None
    lat = [x * 1e3 for x in probe.latencies]
    result = {
        'size': args.size, 'frames_measured': len(lat), 'frames_unanswered': probe.unanswered,
        'p50_ms': round(percentile(lat, 0.5), 2) if lat else None,
        'p99_ms': round(percentile(lat, 0.99), 2) if lat else None,
        'max_ms': round(max(lat), 2) if lat else None,
        'drive_node_cpu_percent_of_one_core': round(100 * cpu, 1) if cpu is not None else None,
        'drive_node_diagnostics': probe.diagnostics,
        'seconds': round(wall, 1),
    }
    print(json.dumps(result))
    executor.shutdown()
    spinner.join()
    probe.destroy_node()
    rclpy.shutdown()


if __name__ == '__main__':
    main()
