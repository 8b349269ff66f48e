"""Monitoring: health of the dependencies (more with the monitoring issue)."""
