"""Export runs (built by the exports issue)."""
