# lnn_ros on ROS 2 Jazzy (or Humble: --build-arg ROS_DISTRO=humble --build-arg BASE_IMAGE=ros:humble-ros-base),
# multi-arch (linux/amd64, linux/arm64: Raspberry Pi 4/5, Jetson with a generic arm64 userland):
#   docker buildx build --platform linux/amd64,linux/arm64 -t lnn_ros .
# The image builds the package exactly as a user's workspace does (colcon build: messages, npm ci
# of the production packages with rclnodejs compiled against this ROS 2, tsc). Not exercised in
# this repository's CI (no Docker engine there); see README.
ARG ROS_DISTRO=jazzy
# Jetson: a JetPack/L4T image with ROS 2, e.g. --build-arg BASE_IMAGE=<your l4t-ros image>.
ARG BASE_IMAGE=ros:${ROS_DISTRO}-ros-base

# Node 20 binaries (and headers, for the native addons) for the target architecture.
FROM node:20-bookworm-slim AS node

FROM ${BASE_IMAGE}
ARG ROS_DISTRO
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
COPY --from=node /usr/local/include/node /usr/local/include/node
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && apt-get update && apt-get install -y --no-install-recommends \
      build-essential python3 \
      ros-${ROS_DISTRO}-ackermann-msgs ros-${ROS_DISTRO}-diagnostic-msgs ros-${ROS_DISTRO}-nav-msgs \
      ros-${ROS_DISTRO}-sensor-msgs ros-${ROS_DISTRO}-geometry-msgs ros-${ROS_DISTRO}-lifecycle-msgs \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /ws/src/lnn_ros
COPY . .
RUN . /opt/ros/${ROS_DISTRO}/setup.sh \
 && cd /ws && colcon build --packages-select lnn_ros --event-handlers console_direct+ \
 && rm -rf build log

COPY ros/entrypoint.sh /entrypoint.sh
ENTRYPOINT ["/entrypoint.sh"]
CMD ["ros2", "launch", "lnn_ros", "drive.launch.py"]
