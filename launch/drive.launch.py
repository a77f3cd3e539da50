"""Starts drive_node with config/drive.yaml (override with params_file:=...)."""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def generate_launch_description():
    share = get_package_share_directory('lnn_ros')
    return LaunchDescription([
        DeclareLaunchArgument('params_file', default_value=os.path.join(share, 'config', 'drive.yaml'),
                              description='drive_node parameters (ROS 2 params-file layout)'),
        DeclareLaunchArgument('use_sim_time', default_value='false'),
        Node(
            package='lnn_ros',
            executable='drive_node',
            name='drive_node',
            output='screen',
            parameters=[LaunchConfiguration('params_file'),
                        {'use_sim_time': LaunchConfiguration('use_sim_time')}],
        ),
    ])
