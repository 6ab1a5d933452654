"""Static int8 quantisation of a float TFLite model by Google's ai-edge-quantizer (the
"quantize-tflite" extra; it brings ai-edge-litert's interpreter for the calibration, not
TensorFlow): int8 activations and int8 weights per channel (or per tensor) for every operator
the library supports, with min/max calibration, the only one it offers for static int8.

ai-edge-quantizer calibrates through a SignatureDef; a model converted without one (TF1, older
converters: the bundled float models) gets a "serving_default" signature over its graph inputs
and outputs first."""
from __future__ import annotations

import contextlib
import os
import sys
import warnings
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from aot.core.errors import AotError

SIGNATURE = "serving_default"
INSTALL = ("quantising a TFLite model needs ai-edge-quantizer: pip install microaot[quantize-tflite] "
           "(or convert the model with TensorFlow's TFLiteConverter and a representative_dataset)")


def quantize_tflite(model: bytes, data: dict[str, np.ndarray], per_channel: bool, starting) -> tuple[bytes, str]:
    """The quantised model calibrated on ``data`` (per input tensor name, (N, *shape) float32) and
    the quantiser's name and version; ``starting()`` is called once the library is found."""
    try:  # an optional dependency (the "quantize-tflite" extra): imported only when a TFLite model is quantised
        from ai_edge_litert.tools import flatbuffer_utils
        from ai_edge_quantizer import qtyping, quantizer, recipe_manager
    except ImportError:
        raise AotError(INSTALL) from None
    starting()
    fb = flatbuffer_utils.read_model_from_bytearray(bytearray(model))
    names = _signature_inputs(fb, flatbuffer_utils.schema_fb)  # tensor name -> the signature's input name
    rm = recipe_manager.RecipeManager()
    granularity = qtyping.QuantGranularity.CHANNELWISE if per_channel else qtyping.QuantGranularity.TENSORWISE
    rm.add_static_config(regex=".*", operation_name=qtyping.TFLOperationName.ALL_SUPPORTED, activation_num_bits=8,
                         weight_num_bits=8, weight_granularity=granularity)
    q = quantizer.Quantizer(bytes(flatbuffer_utils.convert_object_to_bytearray(fb)), rm.get_quantization_recipe())
    n = len(next(iter(data.values())))
    batches = [{names[k]: a[i] for k, a in data.items()} for i in range(n)]
    key = fb.signatureDefs[0].signatureKey
    try:
        with _library_output_muted():
            result = q.quantize(q.calibrate({_text(key): batches}), enable_progress_report=False)
    except (ValueError, RuntimeError) as e:
        raise AotError(f"ai-edge-quantizer cannot quantise the model ({str(e).splitlines()[0]})") from None
    return bytes(result.quantized_model), f"ai-edge-quantizer {_version()}"


def _signature_inputs(fb, schema) -> dict[str, str]:
    """Give the model object ``fb`` a signature over subgraph 0 if it has none; its first signature's
    inputs: tensor name -> signature input name."""
    sg = fb.subgraphs[0]
    if not fb.signatureDefs:
        def tensor_map(i):
            m = schema.TensorMapT()
            m.name, m.tensorIndex = sg.tensors[i].name, i
            return m

        sig = schema.SignatureDefT()
        sig.signatureKey, sig.subgraphIndex = SIGNATURE, 0
        sig.inputs, sig.outputs = [tensor_map(i) for i in sg.inputs], [tensor_map(i) for i in sg.outputs]
        fb.signatureDefs = [sig]
    sig = fb.signatureDefs[0]
    tensors = fb.subgraphs[sig.subgraphIndex].tensors
    return {_text(tensors[m.tensorIndex].name): _text(m.name) for m in sig.inputs}


@contextlib.contextmanager
def _library_output_muted():
    """The library's own chatter off stderr (a warning, the interpreter's "INFO: Created TensorFlow
    Lite XNNPACK delegate" from C++, a tqdm bar): our progress lines tell the steps, -q means quiet.
    Exceptions still propagate."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            os.dup2(null.fileno(), 2)
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _text(s) -> str:
    return s.decode() if isinstance(s, bytes) else s


def _version() -> str:
    try:
        return version("ai-edge-quantizer")
    except PackageNotFoundError:  # on the path without its metadata (e.g. pip install --target)
        return "(version unknown)"
