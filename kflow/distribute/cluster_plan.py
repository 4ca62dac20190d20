"""``Session(server.target)``: a graph whose ops are placed on a cluster's tasks, run over the MPI world.

At compile time the client splits the fetched subgraph by task (``kf.device("/job:worker/task:1")``;
unplaced ops run on the client's task, variable updates beside their variable) and cuts every edge between
tasks into an ``MPISend`` on the producer's task and an ``MPIRecv`` on the consumer's. Each task's piece is
sent once, as JSON (``kflow.engine.graph_json``), to the task's ``Server.join()`` loop, which rebuilds it in its own graph
and session; every ``run`` then sends each task a short "run plan N" message, runs the client's own piece
and collects the fetched values. A receive waits behind every send that precedes it in the global order of
its task, and sends never block, so the pieces cannot deadlock each other. Variables are shared by name
between the plans of a session on a task; other ops belong to their plan.

Example:
    >>> with kf.device("/job:local/task:1"):
    ...     c = b + a
    >>> with kf.Session(server.target) as sess:
    ...     sess.run(c)
"""
import itertools
import json

import numpy as np

from kflow.distribute import transfer_ops
from kflow.distribute.world import world
from kflow.engine import dtypes, graph_json, shapes
from kflow.engine.graph import Graph
from kflow.engine.ops.constant_op import placeholder
from kflow.engine.placement import parse_task
from kflow.engine.plan import Plan, needed_ops
from kflow.engine.session import Session

CONTROL_TAG = 0
_plan_ids = itertools.count()
_session_ids = itertools.count()
_servers = {}  # target -> the Server of this process serving it


def register_server(server):
    _servers[server.target] = server


def server_for_target(target):
    """The Server of this process whose ``target`` is ``target``.

    Raises:
        ValueError: this process made no such Server.
    """
    try:
        return _servers[target]
    except KeyError:
        raise ValueError("Session target %r: create kflow.distribute.Server (kf.train.Server) for it in this "
                         "process first and pass server.target." % (target,)) from None


def send_message(dest, message):
    w = world()
    data = bytearray(json.dumps(message).encode("utf-8"))
    w.comm.Send([data, w.mpi.BYTE], dest=dest, tag=CONTROL_TAG)


def receive_message():
    """``(source, message)`` of the next control message to this rank (blocks)."""
    w = world()
    status = w.mpi.Status()
    w.comm.Probe(source=w.mpi.ANY_SOURCE, tag=CONTROL_TAG, status=status)
    data = bytearray(status.Get_count(w.mpi.BYTE))
    w.comm.Recv([data, w.mpi.BYTE], source=status.Get_source(), tag=CONTROL_TAG)
    return status.Get_source(), json.loads(data.decode("utf-8"))


class TaskGraph:
    """One task's share of one client session: a graph holding the pieces of its plans, and a session."""

    def __init__(self):
        self.graph = Graph()
        self.session = Session(graph=self.graph)

    def add_plan(self, nodes):
        names = {}
        with self.graph.as_default():
            for node in nodes:
                if node["name"] in self.graph._ops_by_name:
                    continue  # a shared op (a variable) sent again by a later plan
                if node["type"] == "Placeholder" and node.get("feed"):
                    placeholder(node["outputs"][0][0], graph_json.decode_value(node["outputs"][0][1], None, {}),
                                name=node["name"])
                else:
                    graph_json.decode_op(self.graph, node, names)

    def run(self, fetch_names, target_names, feeds=None):
        g = self.graph
        fetches = [g.get_tensor_by_name(n) for n in fetch_names]
        targets = [g.get_operation_by_name(n) for n in target_names]
        feed_dict = {g.get_tensor_by_name(k): v for k, v in (feeds or {}).items()}
        try:
            return self.session.run(fetches + targets, feed_dict)[:len(fetches)]
        finally:
            transfer_ops.wait_sends()


class _ClientSession:
    """A client session's state: its own task's graph, and the tasks holding its pieces (told on close)."""

    def __init__(self, me):
        self.id = next(_session_ids)
        self.me = me
        self.task = TaskGraph()
        self.contacted = set()

    def close(self):  # Session.close() closes its resources: the tasks drop this session's graphs
        for rank in sorted(self.contacted):
            send_message(rank, {"cmd": "close", "session": [self.me, self.id]})
        self.contacted.clear()
        self.task.session.close()


class ClusterPlan:
    """A ``Plan`` for ``Session(server.target)``: the same constructor and ``run``, over the cluster's tasks."""

    def __init__(self, session, targets, feeds, home=("CPU", 0)):
        self.server = server_for_target(session.target)
        self.me = self.server.rank
        self.feeds = list(feeds)
        self.ops = needed_ops(targets, self.feeds)
        self.placements = {op: ("CPU", 0) for op in self.ops}
        state = session.resources.get("cluster_session")
        if state is None:
            state = session.resources["cluster_session"] = _ClientSession(self.me)
        self.state, self.session_id, self.task = state, state.id, state.task
        self.plan_id = next(_plan_ids)
        self._split(targets)
        self._sent = set()

    # ---- splitting -----------------------------------------------------------------------------
    def _task_of(self, op):
        var = op.attrs.get("var") if op.attrs else None
        if var is not None:
            return self._task_of(var)
        task = parse_task(op.device if isinstance(op.device, str) else "")
        if task is None:
            return self.me
        cluster = self.server.cluster
        try:
            return cluster.task_rank(task[0], task[1] or 0)
        except ValueError as e:
            raise ValueError("Op '%s' (%s) is placed on %s: %s (cluster %r)." % (op.name, op.type, op.device, e,
                                                                                 cluster.as_dict())) from None

    def _split(self, targets):
        fed = set(self.feeds)
        task = {op: self._task_of(op) for op in self.ops}
        producer = lambda t: self.me if t in fed else task[t.op]  # noqa: E731
        prefix = "p%d/" % self.plan_id
        pieces = {}  # rank -> list of nodes, in the global order
        local = {}  # (rank, original tensor) -> its name on that rank
        sends_so_far = {}  # rank -> names of the sends already in its piece
        edges = itertools.count()
        emitted = set()  # (rank, name) of the ops already in a piece
        self.fetch_names = []
        self.feed_names = []

        def piece(rank):
            return pieces.setdefault(rank, [])

        def name_on(rank, t):
            key = (rank, t)
            if key not in local:  # t comes from another task: receive it
                src = producer(t)
                tag = 1 + 2 * next(edges)
                recv = prefix + "recv_%d" % tag
                piece(rank).append(_recv_node(recv, t, src, tag, sends_so_far.get(rank, [])))
                local[key] = recv + ":0"
                send = prefix + "send_%d" % tag
                piece(src).append(_send_node(send, name_on(src, t), rank, tag))
                sends_so_far.setdefault(src, []).append(send)
            return local[key]

        def op_name(op):
            shared = op.op_def.bind is not None and not op.inputs  # variables: one per session, across plans
            return op.name if shared else prefix + op.name

        def control_edge(c, src, dst):
            # a control dependency across tasks: a token sent once ``c`` ran, received before the dependent op
            tag = 1 + 2 * next(edges)
            token, send, recv = prefix + "token_%d" % tag, prefix + "send_%d" % tag, prefix + "recv_%d" % tag
            piece(src).append(_token_node(token, [op_name(c)]))
            piece(src).append(_send_node(send, token + ":0", dst, tag))
            sends_so_far.setdefault(src, []).append(send)
            piece(dst).append(_recv_node(recv, _TOKEN, src, tag, sends_so_far.get(dst, [])))
            return recv

        for i, t in enumerate(self.feeds):
            name = prefix + "feed_%d" % i
            piece(self.me).append({"name": name, "type": "Placeholder", "feed": True,
                                   "outputs": [[t.dtype.name, graph_json.encode_value(t.shape, t.name)]]})
            local[(self.me, t)] = name + ":0"
            self.feed_names.append(name + ":0")
        for op in self.ops:
            rank = task[op]
            inputs = [name_on(rank, t) for t in op.inputs]
            name = op_name(op)
            for ref in _op_refs(op):  # an attribute names an op (an update's variable): it must exist first
                ref_rank = task[ref] if ref in task else self._task_of(ref)
                if (ref_rank, ref.name) not in emitted:
                    emitted.add((ref_rank, ref.name))
                    piece(ref_rank).append(graph_json.encode_op(ref, ref.name, [], strip_task=True))
            control = [op_name(c) if task[c] == rank else control_edge(c, task[c], rank)
                       for c in op.control_inputs]
            if (rank, name) not in emitted:
                emitted.add((rank, name))
                piece(rank).append(graph_json.encode_op(op, name, inputs, control, strip_task=True))
            for t in op.outputs:
                local[(rank, t)] = "%s:%d" % (name, t.value_index)
        self.target_ops = {}
        for t in targets:
            if hasattr(t, "value_index"):
                self.fetch_names.append(name_on(self.me, t))
            else:
                rank = task[t]
                self.target_ops.setdefault(rank, []).append(op_name(t))
        self.pieces = pieces
        for rank, nodes in pieces.items():  # every send of a piece must run
            self.target_ops.setdefault(rank, []).extend(n["name"] for n in nodes if n["type"] == "MPISend")

    # ---- running ---------------------------------------------------------------------------------
    def run(self, feed_values):
        for rank, nodes in self.pieces.items():
            if rank == self.me:
                continue
            message = {"cmd": "run", "session": [self.me, self.session_id], "plan": self.plan_id,
                       "targets": self.target_ops.get(rank, [])}
            if rank not in self._sent:
                message["nodes"] = nodes
                self._sent.add(rank)
            send_message(rank, message)
            self.state.contacted.add(rank)
            self.server.note_client()
        if self.me not in self._sent:
            self.task.add_plan(self.pieces.get(self.me, []))
            self._sent.add(self.me)
        return self.task.run(self.fetch_names, self.target_ops.get(self.me, []),
                             dict(zip(self.feed_names, feed_values)))


class _Token:
    """What a control edge sends: a 0-d float32."""
    dtype = dtypes.float32
    shape = shapes.TensorShape([])


_TOKEN = _Token()


def _token_node(name, control):
    value = np.zeros((), np.float32)
    return {"name": name, "type": "Const", "inputs": [], "control": control,
            "outputs": [["float32", graph_json.encode_value(_TOKEN.shape, name)]], "params": {"__dict__": {}},
            "attrs": graph_json.encode_value({"value": value, "dtype": _TOKEN.dtype}, name), "static": True,
            "device": ""}


def _recv_node(name, t, source, tag, after):
    return {"name": name, "type": "MPIRecv", "inputs": [], "control": list(after),
            "outputs": [[t.dtype.name, graph_json.encode_value(t.shape, name)]],
            "params": graph_json.encode_value(
                {"source": source, "tag": tag, "dtype": np.dtype(t.dtype.as_numpy_dtype).str}, name),
            "attrs": {"__dict__": {}}, "static": False, "device": ""}


def _send_node(name, input_name, dest, tag):
    return {"name": name, "type": "MPISend", "inputs": [input_name], "control": [], "outputs": [],
            "params": graph_json.encode_value({"dest": dest, "tag": tag}, name),
            "attrs": {"__dict__": {}}, "static": False, "device": ""}


def _op_refs(op):
    """The ops ``op``'s attributes name (an update's variable and its slots)."""
    refs = []
    for value in (op.attrs or {}).values():
        for v in value if isinstance(value, (list, tuple)) else [value]:
            if hasattr(v, "op_def") and hasattr(v, "outputs"):
                refs.append(v)
    return refs


def serve():
    """``Server.join()``: runs the pieces clients send until a client says "stop"."""
    tasks = {}  # (client rank, session id) -> TaskGraph
    while True:
        source, message = receive_message()
        if message["cmd"] == "stop":
            return
        key = tuple(message["session"])
        if message["cmd"] == "close":
            task = tasks.pop(key, None)
            if task is not None:
                task.session.close()
            continue
        task = tasks.get(key)
        if task is None:
            task = tasks[key] = TaskGraph()
        if "nodes" in message:
            task.add_plan(message["nodes"])
        task.run([], message["targets"])
