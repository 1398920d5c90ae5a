"""Outbound dialing decisions: a campaign's live figures, the abandon-rate window regulators
measure, and the pacing that says how many calls to place. Pure: time is an argument."""
