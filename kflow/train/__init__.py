"""kf.train: public names (facade; implementation files sit beside it)."""
from kflow.train.saver import Saver
from kflow.train.checkpoint_file import latest_checkpoint, get_checkpoint_state, checkpoint_exists
from kflow.train.checkpoint_reader import (CheckpointReader, NewCheckpointReader, list_variables, load_checkpoint,
                                           load_variable)
from kflow.train.init_from_checkpoint import init_from_checkpoint
from kflow.summary.graph_def import write_graph
from kflow.summary.event_proto import summary_iterator
from kflow.train.optimizer import Optimizer
from kflow.train.gradient_descent import GradientDescentOptimizer
from kflow.train.momentum import MomentumOptimizer
from kflow.train.adam import AdamOptimizer
from kflow.train.rmsprop import RMSPropOptimizer
from kflow.train.adagrad import AdagradOptimizer
from kflow.train.global_step import (get_global_step, get_or_create_global_step, create_global_step,
                                     assert_global_step, global_step)
from kflow.train.learning_rate_decay import (exponential_decay, natural_exp_decay, inverse_time_decay,
                                             polynomial_decay, cosine_decay, piecewise_constant)
from kflow.data.example import Example, Features, Feature, BytesList, FloatList, Int64List
from kflow.train.session_run_hook import SessionRunArgs, SessionRunContext, SessionRunHook, SessionRunValues
from kflow.train.basic_session_run_hooks import (CheckpointSaverHook, LoggingTensorHook, NanLossDuringTrainingError,
                                                 NanTensorHook, StopAtStepHook, SummarySaverHook)

# queue-based input (issue 16)
from kflow.train.coordinator import Coordinator, LooperThread
from kflow.train.queue_runner import QueueRunner, add_queue_runner, start_queue_runners
from kflow.train import queue_runner
from kflow.train.input import (input_producer, string_input_producer, range_input_producer, slice_input_producer,
                               limit_epochs, batch, batch_join, shuffle_batch, shuffle_batch_join,
                               match_filenames_once, maybe_batch, maybe_batch_join, maybe_shuffle_batch,
                               maybe_shuffle_batch_join)
from kflow.data.queue import (FIFOQueue, PaddingFIFOQueue, RandomShuffleQueue, TFRecordReader, WholeFileReader,
                              TextLineReader, FixedLengthRecordReader, IdentityReader)
from kflow.train.device_setter import replica_device_setter

# train breadth (issue 16, item 7)
from kflow.train.moving_averages import ExponentialMovingAverage
from kflow.train.monitored_session import (Scaffold, ChiefSessionCreator, MonitoredSession, SingularMonitoredSession,
                                           MonitoredTrainingSession)

# the TF1 cluster API (issue 19); kf.train.Server is kflow.distribute's (it needs MPI), set by the root
from kflow.train.cluster_spec import ClusterSpec

# meta graphs: export_meta_graph / import_meta_graph (issue 16, item 7)
from kflow.train.meta_graph_export import export_meta_graph
from kflow.train.meta_graph_import import import_meta_graph

# FTRL, the premade linear Estimators' default optimizer (issue 16, feature columns)
from kflow.train.ftrl import FtrlOptimizer
