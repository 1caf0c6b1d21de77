"""Writes the safetensors fixtures that SafetensorsTests.swift reads.

Run from the repository root with the peers venv (Benchmarks/peers/setup.sh makes it):

    .build/peers-venv/bin/python Tests/HigherTests/Reference/make_safetensors_fixtures.py

Outputs, next to this script (all committed; the Swift tests never run Python):

* linear_f32.safetensors, linear_f64.safetensors: the state dict of torch.nn.Linear(3, 2)
* conv2d_f32.safetensors, conv2d_f64.safetensors: the state dict of torch.nn.Conv2d(2, 3, 3)
  (the float64 files hold exactly the float32 initial values, widened)
* mixed.safetensors: one tensor of each other kind the reader handles (float16, bfloat16,
  int64, a rank-0 float64, an empty float32) and a metadata entry
* safetensors_reference.json: every tensor's values, a fixed float64 input for each layer
  and torch's float64 output for it

Floats are written by json with repr(), the shortest string that reads back exactly.
"""

import json
import os

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))


def tensor_json(t):
    return {"shape": list(t.shape), "values": [float(v) for v in t.detach().reshape(-1).tolist()]}


def main():
    torch.manual_seed(20261125)
    linear = torch.nn.Linear(3, 2)
    conv = torch.nn.Conv2d(2, 3, 3)

    for name, module in (("linear", linear), ("conv2d", conv)):
        state32 = {k: v.detach().contiguous() for k, v in module.state_dict().items()}
        state64 = {k: v.double() for k, v in state32.items()}
        save_file(state32, os.path.join(HERE, f"{name}_f32.safetensors"))
        save_file(state64, os.path.join(HERE, f"{name}_f64.safetensors"))

    generator = torch.Generator().manual_seed(7)
    linear64 = linear.double()
    conv64 = conv.double()
    x_linear = torch.randn(4, 3, generator=generator, dtype=torch.float64)
    x_conv = torch.randn(2, 2, 5, 5, generator=generator, dtype=torch.float64)
    with torch.no_grad():
        y_linear = linear64(x_linear)
        y_conv = conv64(x_conv)

    mixed = {
        "half": torch.tensor([[0.5, -1.25, 3.0e-5], [65504.0, 1.0 / 3.0, -0.0]], dtype=torch.float16),
        "brain": torch.tensor([1.0, -2.5, 1.0e30, 3.140625], dtype=torch.bfloat16),
        "steps": torch.tensor(12345, dtype=torch.int64),
        "scalar": torch.tensor(0.1, dtype=torch.float64),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }
    save_file(mixed, os.path.join(HERE, "mixed.safetensors"), metadata={"format": "pt", "note": "fixture"})

    reference = {
        "generator": f"torch {torch.__version__}, {os.path.basename(__file__)}",
        "linear": {
            "state": {k: tensor_json(v) for k, v in linear64.state_dict().items()},
            "input": tensor_json(x_linear),
            "output": tensor_json(y_linear),
        },
        "conv2d": {
            "state": {k: tensor_json(v) for k, v in conv64.state_dict().items()},
            "input": tensor_json(x_conv),
            "output": tensor_json(y_conv),
        },
        "mixed": {
            "metadata": {"format": "pt", "note": "fixture"},
            "tensors": {k: tensor_json(v.double()) for k, v in mixed.items()},
        },
    }
    with open(os.path.join(HERE, "safetensors_reference.json"), "w") as f:
        json.dump(reference, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
