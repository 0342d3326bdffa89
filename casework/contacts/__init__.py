"""Stakeholder contacts: people told about cases who have no login."""
