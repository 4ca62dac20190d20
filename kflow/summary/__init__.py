"""kf.summary: public names (facade; implementation files sit beside it).

Example:
    >>> kf.summary.scalar("loss", loss)
    >>> merged = kf.summary.merge_all()
    >>> writer = kf.summary.FileWriter("logs/run1", sess.graph)
    >>> writer.add_summary(sess.run(merged), global_step=0)
"""
from kflow.summary.summary_ops import scalar, histogram, image, text, tensor_summary, merge, merge_all
from kflow.summary.event_file_writer import FileWriter, FileWriterCache
from kflow.summary.event_proto import (Event, Summary, SummaryMetadata, SessionLog, HistogramProto,
                                       summary_iterator)
from kflow.summary.tensor_proto import TensorProto, make_tensor_proto, make_ndarray
from kflow.summary.graph_def import GraphDef, NodeDef, AttrValue, write_graph
