"""kf.summary: public names (facade; implementation files sit beside it)."""
