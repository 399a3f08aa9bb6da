"""The reliability suite's long runs (issue 18): fuzzing, load, faults."""
