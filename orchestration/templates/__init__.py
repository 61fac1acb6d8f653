"""`p06 template`: the official Excel template (CONTRACT §2), pre-filled for one unit and period."""
