"""trainer_node with config/train.yaml: trains on the recordings given by bags:= (e.g. a bag of
`lnn-ros record --sim`), writes the policy to output:= (overwrite:=true replaces an earlier
policy there), publishes progress on lnn/training_progress and announces the policy on lnn/model,
where a running drive_node picks it up. The node exits 1 if the job fails."""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def trainer(context):
    """bags:= is a comma-separated list of bag directories; the parameter is a string array."""
    parameters = [LaunchConfiguration('params_file').perform(context)]
    bags = [b for b in LaunchConfiguration('bags').perform(context).split(',') if b]
    overrides = {'bags': [os.path.abspath(os.path.expanduser(b)) for b in bags]} if bags else {}
    output = LaunchConfiguration('output').perform(context)
    if output:
        overrides['output'] = os.path.abspath(os.path.expanduser(output))
    overrides['overwrite'] = LaunchConfiguration('overwrite').perform(context) == 'true'
    return [Node(package='lnn_ros', executable='trainer_node', name='trainer_node', output='screen',
                 namespace=LaunchConfiguration('namespace'), parameters=parameters + [overrides])]


def generate_launch_description():
    share = get_package_share_directory('lnn_ros')
    return LaunchDescription([
        DeclareLaunchArgument('params_file', default_value=os.path.join(share, 'config', 'train.yaml')),
        DeclareLaunchArgument('bags', default_value='', description='bag directories to train on, comma-separated'),
        DeclareLaunchArgument('output', default_value=os.path.join(os.path.expanduser('~'), '.ros', 'lnn_ros', 'policies', 'finetuned'),
                              description='policy directory to write'),
        DeclareLaunchArgument('overwrite', default_value='false', description='replace an earlier policy at output'),
        DeclareLaunchArgument('namespace', default_value=''),
        OpaqueFunction(function=trainer),
    ])
