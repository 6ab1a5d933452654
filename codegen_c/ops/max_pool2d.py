from codegen_c.ops.average_pool2d import dsp_ok, lower, lower_variant  # noqa: F401  (same constants; the templates differ)
