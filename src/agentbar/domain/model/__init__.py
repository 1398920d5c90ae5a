"""The model: states and their transition tables, values, commands, events, instructions."""
