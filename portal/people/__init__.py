"""Peer supporters and volunteers of an organisation, and the services they work in."""
