"""Helpers shared by the fault, bad-input and scale-out suites: a TCP proxy that can be cut,
per-session PostgreSQL databases and Redis key prefixes, production-like assistant wiring, and a
concurrent conversation driver. Nothing here touches the real PostgreSQL or Redis servers beyond
creating (and dropping) its own database and keys."""
