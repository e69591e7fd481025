"""Coordinator reports: the referral funnel, times, drop-outs, decline reasons and service gaps."""
