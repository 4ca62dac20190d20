"""The op library: each file one op family, each op's kernel beside its gradient."""
