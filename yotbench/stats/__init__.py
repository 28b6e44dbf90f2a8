"""Statistical helpers that SciPy and statsmodels do not provide ready-made."""
