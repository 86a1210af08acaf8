"""normenkader: compliance-as-code engine for supervising government algorithms."""

__version__ = "0.1.0"
