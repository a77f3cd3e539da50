#!/usr/bin/env bash
# Sources ROS 2 and the lnn_ros workspace, then runs the given command.
set -e
source "/opt/ros/${ROS_DISTRO}/setup.bash"
source /ws/install/setup.bash
exec "$@"
