"""Agencies keep their listings current: own-organisation editing, one-click status updates,
freshness reminders and problem reports from the public."""
