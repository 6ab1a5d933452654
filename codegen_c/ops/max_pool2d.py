from codegen_c.ops.average_pool2d import lower  # noqa: F401  (same constants; the template differs)
