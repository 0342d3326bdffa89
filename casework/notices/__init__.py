"""Notices to staff and stakeholders: derived from case events, kept in each user's list,
and sent by email and SMS through the outbox."""
