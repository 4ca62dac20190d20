"""kf.train: public names (facade; implementation files sit beside it)."""
