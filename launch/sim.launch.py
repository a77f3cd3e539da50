"""Closed loop in simulation with drive_node on sim time. simulator:=gazebo (the default) runs
Gazebo (gz sim, headless with headless:=true) on worlds/lane_world.sdf with ros_gz_bridge for the
camera, IMU, cmd_vel, odometry and clock; simulator:=embedded runs the package's own simulator node
instead (config/sim.yaml), and needs no Gazebo packages."""
import os

from ament_index_python.packages import PackageNotFoundError, get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription, OpaqueFunction
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

# Gazebo topic → ROS topic, with the bridge's type pairs.
BRIDGES = [
    '/clock@rosgraph_msgs/msg/Clock[gz.msgs.Clock',
    '/camera/image_raw@sensor_msgs/msg/Image[gz.msgs.Image',
    '/imu/data@sensor_msgs/msg/Imu[gz.msgs.IMU',
    '/cmd_vel@geometry_msgs/msg/Twist]gz.msgs.Twist',
    '/ground_truth/odom@nav_msgs/msg/Odometry[gz.msgs.Odometry',
]


def simulator(context):
    """The world: resolved at launch time, so Gazebo's packages are only looked up when used."""
    kind = LaunchConfiguration('simulator').perform(context)
    if kind == 'embedded':
        return [Node(package='lnn_ros', executable='sim_node', name='lnn_sim', output='screen',
                     namespace=LaunchConfiguration('namespace'),
                     parameters=[LaunchConfiguration('sim_params')])]
    if kind != 'gazebo':
        raise RuntimeError(f"simulator:={kind}: expected gazebo or embedded")
    headless = '-s ' if LaunchConfiguration('headless').perform(context) == 'true' else ''
    try:
        gz_sim = os.path.join(get_package_share_directory('ros_gz_sim'), 'launch', 'gz_sim.launch.py')
    except PackageNotFoundError:
        raise RuntimeError('simulator:=gazebo needs ros_gz_sim and ros_gz_bridge '
                           '(apt install ros-$ROS_DISTRO-ros-gz); simulator:=embedded needs no Gazebo') from None
    return [
        IncludeLaunchDescription(PythonLaunchDescriptionSource(gz_sim),
                                 launch_arguments={'gz_args': f"{headless}-r {LaunchConfiguration('world').perform(context)}"}.items()),
        Node(package='ros_gz_bridge', executable='parameter_bridge', name='lane_bridge', arguments=BRIDGES, output='screen'),
    ]


def generate_launch_description():
    share = get_package_share_directory('lnn_ros')
    return LaunchDescription([
        DeclareLaunchArgument('simulator', default_value='gazebo', description='gazebo or embedded'),
        DeclareLaunchArgument('headless', default_value='true'),
        DeclareLaunchArgument('world', default_value=os.path.join(share, 'worlds', 'lane_world.sdf')),
        DeclareLaunchArgument('sim_params', default_value=os.path.join(share, 'config', 'sim.yaml')),
        DeclareLaunchArgument('drive_params', default_value=os.path.join(share, 'config', 'drive.yaml')),
        DeclareLaunchArgument('namespace', default_value='', description='namespace of the nodes (embedded simulator only)'),
        OpaqueFunction(function=simulator),
        Node(package='lnn_ros', executable='drive_node', name='drive_node', output='screen',
             namespace=LaunchConfiguration('namespace'),
             parameters=[LaunchConfiguration('drive_params'), {'use_sim_time': True}]),
    ])
