/**
 * The real recordings and datasets the tests read (rosbag2 bags, Half-Cheetah traces). They are not
 * in the repository: they live beside it in ../shared/data (see its README for provenance and
 * licences), or wherever LNN_ROS_DATA points. Loaded first by .mocharc, so that a checkout without
 * them stops at once with this message rather than in whichever test file reads them first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DATA_DIR = path.resolve(process.env['LNN_ROS_DATA'] ?? path.join(__dirname, '..', '..', '..', 'shared', 'data'));

if (!fs.existsSync(path.join(DATA_DIR, 'bags')) || !fs.existsSync(path.join(DATA_DIR, 'halfcheetah'))) {
  throw new Error(
    `the tests read the real bags and datasets in ${DATA_DIR} (bags/, halfcheetah/), which is not there: ` +
      'put the shared data beside the repository (../shared/data) or set LNN_ROS_DATA to its folder',
  );
}
