"""The scorecard site officials open: static HTML with charts, built from the published marts."""
