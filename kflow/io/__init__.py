"""kf.io: public names (facade; implementation files sit beside it)."""
