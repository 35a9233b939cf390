"""Talking to a Conductor server: register, diff, run, workers."""
