"""Starts trainer_node with config/train.yaml: trains on recorded bags, publishes progress on
/lnn/training_progress and announces the new policy on /lnn/model (drive nodes hot-reload it)."""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def generate_launch_description():
    share = get_package_share_directory('lnn_ros')
    return LaunchDescription([
        DeclareLaunchArgument('params_file', default_value=os.path.join(share, 'config', 'train.yaml')),
        Node(
            package='lnn_ros',
            executable='trainer_node',
            name='trainer_node',
            output='screen',
            parameters=[LaunchConfiguration('params_file')],
        ),
    ])
