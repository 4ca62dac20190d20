"""The order of kflow's packages, bottom up: a package imports only packages in tiers below its own.

A package is a folder under kflow/ (``kflow/layers/...`` is "layers") or a top-level module
(``kflow/errors.py`` is "errors"). Packages in one tier may not import each other; where one needs
another, they sit in separate tiers. The root, ``kflow/__init__.py``, stands above every tier: it
assembles the public ``kf.*`` namespace and may import everything, so no package may import it.
``tests/test_import_graph.py`` checks every import in kflow (function-level ones included) against
this list, and that nothing inside kflow imports kflow from within a function.

Example:
    >>> tier_of("layers") > tier_of("nn")
    True
    >>> may_import("train", "layers"), may_import("layers", "train")
    (True, False)
"""

TIERS = (
    ("errors", "package_order", "lazy_import", "version"),
    ("atomic_file",),                                    # temp file + rename: every package that writes files
    ("platform",),                                       # flags, app.run, logging, gfile (program scaffolding)
    ("proto",),                                          # protobuf wire toolkit: Example and Event messages
    ("engine",),                                         # graph, session, ops; graph-wide state
    ("sparse",),                                         # SparseTensor: nn's CTC decoders return them
    ("nn", "initializers", "losses", "random", "image"),
    ("math", "linalg"),                                  # kf.math / kf.linalg namespaces (math re-exports nn's)
    ("debugging", "strings", "sets", "nest"),            # TF1 namespaces: kf.debugging (re-exports math), kf.strings
    ("dtypes",),                                         # kf.dtypes namespace (as_string from strings)
    ("layers",),                                         # variable scopes, Layer, layer library, RNN cells
    ("data",),                                           # Dataset, TFRecord framing, Example parsing
    ("feature_column",),                                 # raw features -> model inputs (reads data's parse specs)
    ("io", "summary", "metrics"),                        # summary writes events with data's TFRecord framing
    ("train",),                                          # optimizers, Saver, session-run hooks (write summaries)
    ("datasets",),
    ("estimator",),
    ("keras",),
    ("distribute",),
    ("contrib",),                                        # TF 1.x contrib names (tfe = kflow.contrib.eager)
    ("test",),                                           # kf.test: TestCase for users' tests; kflow never imports it
)

ROOT = "kflow"
ROOT_MODULES = ("__main__",)  # `python -m kflow` (diagnostics) is part of the root: it may import everything


def tier_of(package):
    """The tier index of ``package`` (0 is the bottom).

    Raises:
        KeyError: ``package`` is not listed in ``TIERS``.
    """
    for index, tier in enumerate(TIERS):
        if package in tier:
            return index
    raise KeyError("package %r is not in kflow.package_order.TIERS; add it to the tier it belongs to" % package)


def may_import(importer, imported):
    """Whether package ``importer`` may import package ``imported`` (the root may import any package)."""
    if importer == ROOT:
        return True
    if imported == ROOT:
        return False
    return tier_of(imported) < tier_of(importer)
