"""Each rank reads its own TFRecord files: list_files(...).shard(size, rank); writes rank<r>.json into argv[1]."""
import json
import os
import sys

import kflow as kf
import kflow.distribute as kd

kd.init()
files = kf.data.Dataset.list_files(os.path.join(sys.argv[1], "part-*.tfrecord"), shuffle=False)
mine = files.shard(kd.size(), kd.rank())
records = [r.decode() for r in kf.data.TFRecordDataset(mine)]
with open(os.path.join(sys.argv[1], "rank%d.json" % kd.rank()), "w") as f:
    json.dump({"files": [os.path.basename(p.decode()) for p in mine], "records": records}, f)
