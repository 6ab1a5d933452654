"""The compiler's core: the graph IR, TFLite's integer arithmetic, errors, data folders."""
