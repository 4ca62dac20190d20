"""Per-rank input: each of 2 ranks reads its own TFRecord files through list_files(...).shard(size, rank)."""
import json

import kflow as kf


def test_each_rank_reads_its_own_tfrecord_files(mpirun, tmp_path):
    for part in range(4):
        with kf.io.TFRecordWriter(str(tmp_path / ("part-%d.tfrecord" % part))) as writer:
            for i in range(3):
                writer.write(("%d-%d" % (part, i)).encode())
    mpirun("tfrecord_shards.py", 2, "{tmp}")
    ranks = [json.load(open(tmp_path / ("rank%d.json" % r))) for r in range(2)]
    assert ranks[0]["files"] == ["part-0.tfrecord", "part-2.tfrecord"]
    assert ranks[1]["files"] == ["part-1.tfrecord", "part-3.tfrecord"]
    assert ranks[1]["records"] == ["1-0", "1-1", "1-2", "3-0", "3-1", "3-2"]
    assert sorted(ranks[0]["records"] + ranks[1]["records"]) == sorted("%d-%d" % (p, i) for p in range(4)
                                                                        for i in range(3))


def test_fit_on_shards_of_unequal_length_ends_each_epoch_at_the_shortest(mpirun, tmp_path):
    mpirun("uneven_shards.py", 2, "{tmp}", timeout=90)
    ranks = [json.load(open(tmp_path / ("rank%d.json" % r))) for r in range(2)]
    assert [rank["batches"] for rank in ranks] == [[2, 2], [2, 2]]
    assert ranks[0]["weights"] == ranks[1]["weights"]  # the same averaged steps on both
    assert ranks[0]["warnings"] == [] and len(ranks[1]["warnings"]) == 1 and "rank 1" in ranks[1]["warnings"][0]
