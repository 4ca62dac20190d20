"""kf.data: public names (facade; implementation files sit beside it)."""
