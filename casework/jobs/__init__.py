"""Scheduled jobs: deadline and action reminders, reporter feedback, the age limit, digests."""
