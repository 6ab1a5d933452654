"""microaot: ahead-of-time compiler from TinyML models to plain C for microcontrollers."""

__version__ = "0.1.0"
