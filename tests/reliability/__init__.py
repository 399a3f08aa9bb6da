"""Reliability under load, faults and hostile input (issue 18)."""
