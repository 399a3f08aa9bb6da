"""The agency side's bottom layer: policy, API conventions, task and fan-out helpers.

Feature apps use it; it imports none of them (import-linter keeps it so).
"""
