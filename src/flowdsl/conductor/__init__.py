"""Conductor's schema (pydantic models) and the server versions flowdsl targets."""
