"""Cron jobs and their dispatcher (the product's schedule: ``core.features.SCHEDULE``)."""

from __future__ import annotations

from core.jobs.dispatcher import Job, JobContext, JobOutcome, run_job

__all__ = ["Job", "JobContext", "JobOutcome", "run_job"]
