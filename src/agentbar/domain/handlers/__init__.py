"""The handlers: one module per concern, each turning a command or signal into a Result."""
