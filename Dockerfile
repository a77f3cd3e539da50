# lnn_ros on ROS 2 Jazzy, multi-arch (linux/amd64, linux/arm64: Raspberry Pi 4/5, Jetson with a
# generic arm64 userland). Build:
#   docker buildx build --platform linux/amd64,linux/arm64 -t lnn_ros .
# Not exercised in this repository's CI (no Docker engine there); see README.
ARG ROS_DISTRO=jazzy

# Node 20 binaries for the target architecture, from the official multi-arch image.
FROM node:20-bookworm-slim AS node

FROM ros:${ROS_DISTRO}-ros-base
ARG ROS_DISTRO
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && apt-get update && apt-get install -y --no-install-recommends \
      build-essential python3 \
      ros-${ROS_DISTRO}-ackermann-msgs ros-${ROS_DISTRO}-diagnostic-msgs \
      ros-${ROS_DISTRO}-sensor-msgs ros-${ROS_DISTRO}-geometry-msgs \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /ws/src/lnn_ros
COPY . .
# rclnodejs (optional dependency) compiles against the sourced ROS 2 during npm ci; node-gyp
# takes Node's headers from the copied Node installation instead of downloading them.
ENV npm_config_nodedir=/usr/local
RUN rm -rf node_modules dist \
 && . /opt/ros/${ROS_DISTRO}/setup.sh \
 && cd /ws && colcon build --packages-select lnn_ros --event-handlers console_direct+

COPY ros/entrypoint.sh /entrypoint.sh
ENTRYPOINT ["/entrypoint.sh"]
CMD ["ros2", "launch", "lnn_ros", "drive.launch.py"]
