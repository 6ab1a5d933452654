"""The bundled models and what we expect of them (shared by the model, CLI and QEMU tests)."""
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parents[1] / "models"

INT8_MODELS = [
    "kws_ref_model_int8", "vww_96_int8", "ic_resnet8_int8", "ad01_int8", "sww_ref_model_int8",
    "person_detect_int8", "micro_speech_int8", "hello_world_int8", "keyword_scrambled_int8",
    "mnist_lstm_int8",
]
# Models with state (variable tensors): also run as sequences of inferences, with a reset.
STATEFUL_MODELS = ["keyword_scrambled_int8", "mnist_lstm_int8"]
FLOAT_MODELS = ["vww_96_float32", "ic_resnet8_float32", "ad01_float32", "hello_world_float32"]
# Models we reject on purpose, with the reason the user must see.
REJECTED = {
    "kws_ref_model_float32_hybrid": "hybrid quantisation (int8 weights, float activations) is not supported",
}


def model_path(name: str) -> Path:
    return MODELS_DIR / f"{name}.tflite"
