"""Clients, consent, referrals and their life cycle, inbox, board and follow-ups."""
