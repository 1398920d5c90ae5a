"""The contact-center core: pure state machines, no I/O, no clock, standard library only.

Everything here is deterministic: time arrives as an argument, identifiers come from an
injected generator, and every decision is returned as data (events and telephony
instructions) for the service layer to store, publish and carry out.
"""
