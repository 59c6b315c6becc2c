"""Analysis of stored results, figures and the report."""
