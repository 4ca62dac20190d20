"""RunConfig: where and how often an Estimator checkpoints, writes summaries and logs.

Example:
    >>> config = RunConfig(save_checkpoints_steps=500, save_summary_steps=100, keep_checkpoint_max=3,
    ...                    tf_random_seed=42)
    >>> est = Estimator(model_fn, model_dir="runs/mnist", config=config)
"""
from kflow.engine import process_world


class RunConfig:
    """Args:
        model_dir: checkpoint/summary directory (the Estimator's ``model_dir`` wins when both are given).
        tf_random_seed: graph-level seed of every graph the Estimator builds.
        save_summary_steps: steps between summary writes (None/0: never).
        save_checkpoints_steps / save_checkpoints_secs: how often to checkpoint (at most one of them;
            default every 600 seconds, and always at the end of ``train``).
        keep_checkpoint_max: checkpoints kept.
        log_step_count_steps: steps between "loss = ..., step = ..." log lines.
        session_config: a ``kf.ConfigProto`` for the sessions.

    In an ``mpiexec`` job (after ``kflow.distribute.init()``) ``is_chief``, ``task_id`` and
    ``num_worker_replicas`` come from the MPI world; only the chief writes ``model_dir``.
    """

    def __init__(self, model_dir=None, tf_random_seed=None, save_summary_steps=100, save_checkpoints_steps=None,
                 save_checkpoints_secs=None, session_config=None, keep_checkpoint_max=5,
                 keep_checkpoint_every_n_hours=10000, log_step_count_steps=100, **kwargs):
        if save_checkpoints_steps is not None and save_checkpoints_secs is not None:
            raise ValueError("Can not provide both save_checkpoints_steps and save_checkpoints_secs.")
        if save_checkpoints_steps is None and save_checkpoints_secs is None:
            save_checkpoints_secs = 600
        self.model_dir = model_dir
        self.tf_random_seed = tf_random_seed
        self.save_summary_steps = save_summary_steps
        self.save_checkpoints_steps = save_checkpoints_steps
        self.save_checkpoints_secs = save_checkpoints_secs
        self.session_config = session_config
        self.keep_checkpoint_max = keep_checkpoint_max
        self.keep_checkpoint_every_n_hours = keep_checkpoint_every_n_hours
        self.log_step_count_steps = log_step_count_steps
        # The MPI world of kflow.distribute (when init() ran before this config was made): rank 0 is the
        # chief, the only process that writes model_dir (checkpoints, summaries, eval results).
        self.is_chief = process_world.is_chief()
        self.task_type = "chief" if self.is_chief else "worker"
        self.task_id = process_world.rank()
        self.num_ps_replicas = 0
        self.num_worker_replicas = process_world.size()
        self.extra = kwargs

    def replace(self, **kwargs):
        """A copy with some fields changed (``config.replace(save_summary_steps=10)``)."""
        new = RunConfig.__new__(RunConfig)
        new.__dict__.update(self.__dict__)
        if "save_checkpoints_steps" in kwargs and kwargs["save_checkpoints_steps"] is not None:
            new.save_checkpoints_secs = None
        if "save_checkpoints_secs" in kwargs and kwargs["save_checkpoints_secs"] is not None:
            new.save_checkpoints_steps = None
        new.__dict__.update(kwargs)
        return new
