"""Administration pages: the outbox, captured messages, scheduled jobs."""
