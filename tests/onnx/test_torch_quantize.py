"""The PyTorch path of docs/quantize.md (the optional torch extra): a small CNN exported by
torch.onnx.export, quantised by `microaot quantize` on calibration data made here, compiled to
int8 kernels and run bit-exact on the host (and on the emulated Cortex-M4); `validate` and a
direct comparison with PyTorch's own float outputs say it stays close to the float network."""
import json

import numpy as np
import pytest

from aot import cli
from aot.driver.compiler import compile_file
from aot.driver.runner import run_on_board
from aot.target.boards import load_board

torch = pytest.importorskip("torch", reason="the optional torch extra (pip install microaot[torch]) is not installed")
nn = torch.nn
N = 32
SHAPE = (1, 3, 16, 16)


class TinyNet(nn.Module):
    """Conv-BN-ReLU, max pool, depthwise-BN-ReLU6, pointwise conv with a residual add, average pool, linear."""

    def __init__(self):
        super().__init__()
        self.c1, self.bn1 = nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16)
        self.dw, self.bn2 = nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False), nn.BatchNorm2d(16)
        self.pw = nn.Conv2d(16, 16, 1)
        self.fc = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.bn1(self.c1(x))), 2)
        x = x + self.pw(nn.functional.relu6(self.bn2(self.dw(x))))
        return self.fc(torch.flatten(nn.functional.avg_pool2d(x, 2), 1))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """(folder, float .onnx, quantised .onnx, samples, PyTorch's float outputs)."""
    d = tmp_path_factory.mktemp("torch_quantize")
    torch.manual_seed(0)
    net = TinyNet().eval()
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):  # statistics of a trained network, not the identity
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    x = torch.rand(N, *SHAPE)
    torch.onnx.export(net, (x[0],), str(d / "tiny.onnx"), input_names=["x"], output_names=["logits"], dynamo=False,
                      opset_version=13)
    np.savez(d / "x.npz", x=x.numpy())
    with torch.no_grad():
        logits = np.stack([net(s).numpy() for s in x])
    assert cli.main(["quantize", str(d / "tiny.onnx"), "--calibration", str(d / "x.npz"), "-o", str(d / "tiny_int8.onnx"), "-q"]) == 0
    return d, d / "tiny.onnx", d / "tiny_int8.onnx", x.numpy(), logits


def test_export_quantize_compile_validate(exported, tmp_path, capsys):
    d, float_path, int8_path, x, logits = exported
    cm = compile_file(int8_path)
    g = cm.graph
    kernels = [op for op in g.ops if op.kind in ("conv2d", "depthwise_conv2d", "fully_connected")]
    assert len(kernels) == 4 and all(g.tensor(op.inputs[0]).dtype == "int8" for op in kernels), \
        [(op.kind, g.tensor(op.inputs[0]).dtype) for op in g.ops]
    host = run_on_board(cm, load_board("host"), {"x": x[0]}, build_dir=tmp_path)
    assert host.passes_match and host.passes_max_abs_diff == 0.0
    got = host.outputs[g.outputs[0]].reshape(-1)
    assert np.abs(got - logits[0].reshape(-1)).max() < 0.05 * np.abs(logits).max()  # near PyTorch's float result
    assert cli.main(["validate", str(int8_path), "--data", str(d / "x.npz"), "--reference", str(float_path), "--json"]) == 0
    v = json.loads(capsys.readouterr().out)
    (o,) = v["outputs"]
    assert v["bit_exact"] and v["samples"] == N
    assert o["cosine"] > 0.99 and o["top1_agreement"] >= 0.9, o
    assert o["rmse"] < 0.03 * float(np.sqrt(np.mean(logits.astype(np.float64) ** 2))), o


@pytest.mark.qemu
def test_on_qemu(exported, tmp_path):
    _, _, int8_path, x, _ = exported
    cm = compile_file(int8_path, board=load_board("qemu-mps2-an386"))
    result = run_on_board(cm, load_board("qemu-mps2-an386"), {"x": x[1]}, build_dir=tmp_path)
    assert result.passes_match and result.passes_max_abs_diff == 0.0
