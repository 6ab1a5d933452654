"""L2_POOL_2D kernel (templates/ops/l2_pool2d.c.j2): average_pool2d's window walk and constants
(codegen_c/ops/average_pool2d.py) summing squares."""
from __future__ import annotations

from codegen_c.kernel import Kernel
from codegen_c.ops.average_pool2d import lower

KERNELS = (Kernel("portable", "ops/l2_pool2d.c.j2", lower),)
