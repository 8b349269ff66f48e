"""Alert rules (threshold, trend, pattern), their evaluation by the five-minute
cron, the alert lifecycle and notifications."""
