"""drive_node with config/drive.yaml (params_file:=...), in an optional namespace (namespace:=car1).
managed:=true starts it as a lifecycle node; autostart:=true (the default) then configures and
activates it, autostart:=false leaves that to `ros2 lifecycle set` or a lifecycle manager."""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, EmitEvent, RegisterEventHandler
from launch.conditions import IfCondition, UnlessCondition
from launch.events import matches_action
from launch.substitutions import LaunchConfiguration, PythonExpression
from launch_ros.actions import LifecycleNode, Node
from launch_ros.event_handlers import OnStateTransition
from launch_ros.events.lifecycle import ChangeState
from lifecycle_msgs.msg import Transition


def generate_launch_description():
    share = get_package_share_directory('lnn_ros')
    managed = LaunchConfiguration('managed')
    autostart = PythonExpression(["'", managed, "' == 'true' and '", LaunchConfiguration('autostart'), "' == 'true'"])
    common = dict(
        package='lnn_ros',
        executable='drive_node',
        name='drive_node',
        namespace=LaunchConfiguration('namespace'),
        output='screen',
        parameters=[LaunchConfiguration('params_file'), {'use_sim_time': LaunchConfiguration('use_sim_time')}],
    )
    managed_node = LifecycleNode(arguments=['--managed'], condition=IfCondition(managed), **common)
    return LaunchDescription([
        DeclareLaunchArgument('params_file', default_value=os.path.join(share, 'config', 'drive.yaml'),
                              description='drive_node parameters (ROS 2 params-file layout)'),
        DeclareLaunchArgument('namespace', default_value='', description='namespace of the node and its relative topics'),
        DeclareLaunchArgument('use_sim_time', default_value='false'),
        DeclareLaunchArgument('managed', default_value='false', description='start a lifecycle (managed) drive_node'),
        DeclareLaunchArgument('autostart', default_value='true', description='with managed:=true, configure and activate at once'),
        Node(condition=UnlessCondition(managed), **common),
        managed_node,
        # configure once the node's lifecycle services are up, then activate once it is inactive.
        EmitEvent(event=ChangeState(lifecycle_node_matcher=matches_action(managed_node), transition_id=Transition.TRANSITION_CONFIGURE),
                  condition=IfCondition(autostart)),
        RegisterEventHandler(OnStateTransition(
            target_lifecycle_node=managed_node, start_state='configuring', goal_state='inactive',
            entities=[EmitEvent(event=ChangeState(lifecycle_node_matcher=matches_action(managed_node), transition_id=Transition.TRANSITION_ACTIVATE))]),
            condition=IfCondition(autostart)),
    ])
