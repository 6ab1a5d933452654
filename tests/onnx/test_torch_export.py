"""A small CNN exported by torch.onnx.export (BatchNorm, depthwise and grouped convolutions,
a residual add, ReLU6, hardswish, pooling, flatten, linear, softmax) matches PyTorch through
the NumPy reference and the generated C on the host, with no transpose inside the network."""
import numpy as np
import pytest

from aot.driver.compiler import compile_file
from tests.onnx.models import assert_float_close, reference, run_host

torch = pytest.importorskip("torch")
nn = torch.nn


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.bn1 = nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8)
        self.dw, self.bn2 = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False), nn.BatchNorm2d(8)
        self.pw = nn.Conv2d(8, 8, 1)
        self.grouped = nn.Conv2d(8, 8, 3, stride=1, padding=1, groups=2)
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(torch.relu(self.bn1(self.c1(x))), 2)
        x = x + self.pw(nn.functional.relu6(self.bn2(self.dw(x))))
        x = nn.functional.avg_pool2d(nn.functional.hardswish(self.grouped(x)), 2)
        return torch.softmax(self.fc(torch.flatten(x, 1)), dim=1)


@pytest.mark.parametrize("opset", [13, 17])
def test_torch_cnn(opset, tmp_path):
    torch.manual_seed(opset)
    net = SmallCNN().eval()
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):  # non-trivial statistics, so folding them matters
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    x = torch.rand(1, 3, 16, 16)
    path = tmp_path / "cnn.onnx"
    torch.onnx.export(net, (x,), str(path), input_names=["x"], output_names=["y"], dynamo=False, opset_version=opset)
    with torch.no_grad():
        want = net(x).numpy()
    feeds = {"x": x.numpy()}
    assert_float_close(reference(path, feeds)[0], want, "reference vs torch")
    run_host(path, feeds, tmp_path / "build")
    kinds = [op.kind for op in compile_file(path).graph.ops]
    assert kinds.count("transpose") == 1 and kinds[0] == "transpose"  # only the 3-channel input's
    assert "binary" not in kinds[:4] and kinds.count("add") == 1  # BatchNorm folded, residual add kept
