"""Closed loop in simulation: Gazebo (gz sim, headless with headless:=true) running
worlds/lane_world.sdf, ros_gz_bridge for the camera, IMU, cmd_vel, odometry and clock, and
drive_node on sim time. simulator:=embedded uses the package's own simulator node instead."""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription
from launch.conditions import IfCondition, UnlessCondition
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PythonExpression
from launch_ros.actions import Node

# Gazebo topic → ROS topic, with the bridge's type pairs.
BRIDGES = [
    '/clock@rosgraph_msgs/msg/Clock[gz.msgs.Clock',
    '/camera/image_raw@sensor_msgs/msg/Image[gz.msgs.Image',
    '/imu/data@sensor_msgs/msg/Imu[gz.msgs.IMU',
    '/cmd_vel@geometry_msgs/msg/Twist]gz.msgs.Twist',
    '/ground_truth/odom@nav_msgs/msg/Odometry[gz.msgs.Odometry',
]


def generate_launch_description():
    share = get_package_share_directory('lnn_ros')
    gazebo = PythonExpression(["'", LaunchConfiguration('simulator'), "' == 'gazebo'"])
    headless_flag = PythonExpression(["'-s ' if '", LaunchConfiguration('headless'), "' == 'true' else ''"])
    return LaunchDescription([
        DeclareLaunchArgument('simulator', default_value='gazebo', description='gazebo or embedded'),
        DeclareLaunchArgument('headless', default_value='true'),
        DeclareLaunchArgument('world', default_value=os.path.join(share, 'worlds', 'lane_world.sdf')),
        DeclareLaunchArgument('drive_params', default_value=os.path.join(share, 'config', 'drive.yaml')),
        IncludeLaunchDescription(
            PythonLaunchDescriptionSource(os.path.join(get_package_share_directory('ros_gz_sim'), 'launch', 'gz_sim.launch.py')),
            launch_arguments={'gz_args': [headless_flag, '-r ', LaunchConfiguration('world')]}.items(),
            condition=IfCondition(gazebo),
        ),
        Node(package='ros_gz_bridge', executable='parameter_bridge', name='lane_bridge', arguments=BRIDGES,
             output='screen', condition=IfCondition(gazebo)),
        Node(package='lnn_ros', executable='sim_node', name='lnn_sim', output='screen',
             parameters=[os.path.join(share, 'config', 'sim.yaml')], condition=UnlessCondition(gazebo)),
        Node(package='lnn_ros', executable='drive_node', name='drive_node', output='screen',
             parameters=[LaunchConfiguration('drive_params'), {'use_sim_time': True}]),
    ])
