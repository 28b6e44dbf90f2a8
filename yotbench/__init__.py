"""yotbench: aggregate benchmarking of youth offending inspection casework."""

__version__ = "0.1.0"
