"""kflow's version, in one place below every package (the root and model files read it)."""
__version__ = "0.1.0"
