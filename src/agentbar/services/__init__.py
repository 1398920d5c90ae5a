"""The service layer: runs domain decisions against the drivers (store, publish, act)."""
