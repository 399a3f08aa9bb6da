"""The bottom of the agency side: shared helpers that import no feature app."""
