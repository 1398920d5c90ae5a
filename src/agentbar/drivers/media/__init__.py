"""Media engines agentbar drives (it mixes and relays no audio itself)."""
