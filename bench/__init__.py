"""The agentbar benchmark suite: load, screen pop in Chromium, profile; `bench/run` runs it."""
