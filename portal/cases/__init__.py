"""The person between and after handoffs: a case record per client (consent-gated), the management
level that sets how often follow-ups come, an individual plan by domain with its history."""
