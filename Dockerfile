# lnn_ros on ROS 2 Jazzy, multi-arch (linux/amd64, linux/arm64: Raspberry Pi 4/5, Jetson with a
# generic arm64 userland). Build:
#   docker buildx build --platform linux/amd64,linux/arm64 -t lnn_ros .
# Not exercised in this repository's CI (no Docker engine there); see README.
ARG ROS_DISTRO=jazzy
# Jetson: a JetPack/L4T image with ROS 2 Jazzy, e.g. --build-arg BASE_IMAGE=<your l4t-ros image>.
ARG BASE_IMAGE=ros:jazzy-ros-base

# Node 20 binaries (and headers, for native addons) for the target architecture.
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
      ros-${ROS_DISTRO}-ackermann-msgs ros-${ROS_DISTRO}-diagnostic-msgs \
      ros-${ROS_DISTRO}-sensor-msgs ros-${ROS_DISTRO}-geometry-msgs \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /ws/src/lnn_ros
COPY . .
# The colcon build runs scripts/npm_install.sh: native addons (better-sqlite3, and rclnodejs as an
# optional dependency against the sourced ROS 2) compile with the copied Node headers.
RUN rm -rf node_modules dist \
 && . /opt/ros/${ROS_DISTRO}/setup.sh \
 && cd /ws && colcon build --packages-select lnn_ros --event-handlers console_direct+

COPY ros/entrypoint.sh /entrypoint.sh
ENTRYPOINT ["/entrypoint.sh"]
CMD ["ros2", "launch", "lnn_ros", "drive.launch.py"]
