"""Not part of the kflow package: ``python -m kflow`` run from the folder *above* a clone named ``kflow``.

From there the current directory comes first on ``sys.path``, so ``kflow`` is this clone folder, which Python
imports as an empty namespace package (the flat layout's trap: ``import kflow`` "works" and
``kf.placeholder`` then fails). ``python -m kflow`` is what the README says to run when a set-up misbehaves,
so here it says what happened instead of "No module named kflow.__main__".
"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.exit("python -m kflow found the kflow repository folder %s, not the kflow package inside it, because Python "
         "runs from its parent folder (there `import kflow` gives an empty namespace package too). Run Python from "
         "inside the clone (cd %s), or from any other folder after `pip install -e %s`." % (here, here, here))
