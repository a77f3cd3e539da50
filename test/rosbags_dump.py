"""Independent reference for test/bag_reader.test.ts: reads rosbag2 storage files with the Python
`rosbags` package and prints one JSON line per message, in log-time order (ties: file order).

usage: python3 rosbags_dump.py STORAGE_FILE...

Each line: {"topic", "type", "t" (log time, decimal string), "raw" (base64 CDR), "msg", "error"}.
`msg` is the decoded message with tagged values, so that nothing is lost in JSON:
{"$int": "123"} for integers, {"$float": "NaN"} for non-finite floats, {"$bytes": base64} for
8-bit arrays (rosbags reads `byte` as int8, ROS 2 as uint8: the raw bytes are what both agree on).
Definitions: the Jazzy type store; a bag's own definition only for types the store lacks (the
same rule as lnn_ros). Storage files are opened one by one, because rosbags' directory reader
matches topics to metadata.yaml by QoS and finds no messages in some of the real bags.
"""

import base64
import heapq
import json
import math
import sys
from pathlib import Path

import numpy as np
from rosbags.rosbag2 import Reader
from rosbags.interfaces import MessageDefinitionFormat
from rosbags.typesys import Stores, get_types_from_msg, get_typestore


TYPESTORE = get_typestore(Stores.ROS2_JAZZY)


def normalise(name):
    parts = name.split('/')
    return f'{parts[0]}/msg/{parts[1]}' if len(parts) == 2 else name


def tagged(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return {'$int': str(int(value))}
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else {'$float': {'nan': 'NaN', 'inf': 'Infinity', '-inf': '-Infinity'}[str(value)]}
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.itemsize == 1 and value.dtype.kind in 'iu':
            return {'$bytes': base64.b64encode(value.tobytes()).decode()}
        return [tagged(x) for x in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [tagged(x) for x in value]
    if hasattr(value, '__msgtype__'):
        # The type store's field list leaves out constants (the dataclass has them as fields);
        # the padding member ROS adds to empty messages is not a field either.
        names = [name for name, _ in TYPESTORE.fielddefs[value.__msgtype__][1] if name != 'structure_needs_at_least_one_member']
        return {k: tagged(getattr(value, k)) for k in names}
    raise TypeError(f'unexpected {type(value)}')


def file_messages(path, typestore, index):
    with Reader(Path(path)) as reader:
        for conn in reader.connections:
            msgtype = normalise(conn.msgtype)
            # An empty .msg text is a valid (empty) message when the format says MSG.
            if msgtype not in typestore.fielddefs and conn.msgdef and conn.msgdef.format == MessageDefinitionFormat.MSG:
                try:
                    typestore.register(get_types_from_msg(conn.msgdef.data, msgtype))
                except Exception:  # noqa: BLE001 - an unparsable definition leaves the type undecoded
                    pass
        for conn, timestamp, raw in reader.messages():
            yield timestamp, index, conn.topic, normalise(conn.msgtype), bytes(raw)


def main(paths):
    streams = [list(file_messages(p, TYPESTORE, i)) for i, p in enumerate(paths)]
    for timestamp, _, topic, msgtype, raw in heapq.merge(*streams, key=lambda m: (m[0], m[1])):
        line = {'topic': topic, 'type': msgtype, 't': str(timestamp), 'raw': base64.b64encode(raw).decode(), 'msg': None, 'error': None}
        try:
            line['msg'] = tagged(TYPESTORE.deserialize_cdr(raw, msgtype))
        except Exception as err:  # noqa: BLE001 - reported per message, compared only where decoded
            line['error'] = f'{type(err).__name__}: {err}'
        print(json.dumps(line))


if __name__ == '__main__':
    main(sys.argv[1:])
