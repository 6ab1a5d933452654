"""MAX_POOL_2D kernels: the same constants as average pooling (codegen_c/ops/average_pool2d.py);
only the templates differ."""
from __future__ import annotations

from codegen_c import dsp
from codegen_c.kernel import Kernel
from codegen_c.ops.average_pool2d import dsp_applies, lower
from codegen_c.ops.max_pool2d_mve import mve_kernels

KERNELS = (
    Kernel("portable", "ops/max_pool2d.c.j2", lower),
    Kernel("dsp", "ops/max_pool2d_dsp.c.j2", lower, features=dsp.DSP, runtime=dsp.RUNTIME, applies=dsp_applies),
) + mve_kernels(lower)
