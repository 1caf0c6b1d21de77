"""Reference outputs and gradients of PyTorch layers, for Tests/HigherTests/LayerReferenceTests.swift.

Run with the peers venv (torch, numpy):

    .build/peers-venv/bin/python Tests/HigherTests/Reference/make_layer_references.py

Every case builds a torch layer in float64, sets its parameters (and buffers) to fixed
values drawn with numpy from a fixed seed, runs it on a fixed input in training or
evaluation mode, and records the output, the running statistics after the call, and
the gradients of sum(output * w) (plus sum(state * w_state) for recurrent layers) for a
fixed random w, with respect to the input, the initial states and every parameter.
Names are PyTorch's; the Swift test maps them to Higher's paths. Writes layers.json
next to this script.
"""

import json
import os

import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(20251125)


def encode(t):
    t = torch.as_tensor(t).detach().to(torch.float64)
    return {"shape": list(t.shape), "data": t.reshape(-1).tolist()}


def normal(*shape, scale=1.0):
    return torch.tensor(rng.standard_normal(shape) * scale)


def uniform(*shape, low=-0.5, high=0.5):
    return torch.tensor(rng.uniform(low, high, shape))


def set_parameters(module):
    """Fixed, non-trivial values for every parameter and buffer."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            leaf = name.split(".")[-1]
            if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm)) and leaf == "weight":
                p.copy_(1 + 0.3 * normal(*p.shape))
            elif isinstance(module, nn.Embedding):
                p.copy_(normal(*p.shape))
            else:
                p.copy_(uniform(*p.shape))
        for name, b in module.named_buffers():
            leaf = name.split(".")[-1]
            if leaf == "running_mean":
                b.copy_(0.2 * normal(*b.shape))
            elif leaf == "running_var":
                b.copy_(uniform(*b.shape, low=0.5, high=1.5))
            elif leaf == "num_batches_tracked":
                b.fill_(3)


def tensor_dict(named):
    return {name: encode(t) for name, t in named}


cases = []


def add_case(name, kind, config, module, x, mode="train", states=None):
    """Runs `module` on `x` (and initial `states`, a dict for recurrent layers) and records everything."""
    set_parameters(module)
    module.train(mode == "train")
    parameters = tensor_dict(module.named_parameters())
    buffers = tensor_dict(module.named_buffers())
    differentiable_input = x.dtype == torch.float64
    if differentiable_input:
        x = x.clone().requires_grad_(True)
    states = {k: v.clone().requires_grad_(True) for k, v in (states or {}).items()}

    case = {"name": name, "kind": kind, "config": config, "mode": mode,
            "input": encode(x), "parameters": parameters, "buffers": buffers,
            "initial_states": {k: encode(v) for k, v in states.items()}}

    if kind == "LSTM":
        hx = (states["h0"], states["c0"]) if states else None
        output, (h, c) = module(x, hx)
        final = {"h": h, "c": c}
    elif kind == "GRU":
        output, h = module(x, states.get("h0"))
        final = {"h": h}
    else:
        output = module(x)
        final = {}

    w = normal(*output.shape)
    final_w = {k: normal(*v.shape) for k, v in final.items()}
    loss = (output * w).sum() + sum((v * final_w[k]).sum() for k, v in final.items())
    inputs = ([x] if differentiable_input else []) + list(states.values())
    named = list(module.named_parameters())
    grads = torch.autograd.grad(loss, inputs + [p for _, p in named], allow_unused=True)

    def grad_or_zero(g, like):
        return torch.zeros_like(like) if g is None else g

    k = 0
    if differentiable_input:
        case["grad_input"] = encode(grads[0])
        k = 1
    case["grad_initial_states"] = {}
    for key, v in states.items():
        case["grad_initial_states"][key] = encode(grad_or_zero(grads[k], v))
        k += 1
    case["grad_parameters"] = {n: encode(grad_or_zero(g, p)) for (n, p), g in zip(named, grads[k:])}
    case["w"] = encode(w)
    case["output"] = encode(output)
    case["final_states"] = {key: encode(v) for key, v in final.items()}
    case["final_states_w"] = {key: encode(v) for key, v in final_w.items()}
    case["buffers_after"] = tensor_dict(module.named_buffers())
    cases.append(case)


# Linear
add_case("linear", "Linear", {"in": 5, "out": 3, "bias": True}, nn.Linear(5, 3), normal(4, 5))
add_case("linear_no_bias_3d", "Linear", {"in": 5, "out": 3, "bias": False},
         nn.Linear(5, 3, bias=False), normal(2, 3, 5))
add_case("linear_vector", "Linear", {"in": 4, "out": 2, "bias": True}, nn.Linear(4, 2), normal(4))

# Conv2d
add_case("conv2d", "Conv2d",
         {"in": 3, "out": 4, "kernel": [3, 3], "stride": [1, 1], "padding": [1, 1], "dilation": [1, 1],
          "groups": 1, "bias": True},
         nn.Conv2d(3, 4, 3, padding=1), normal(2, 3, 5, 5))
add_case("conv2d_strided_grouped", "Conv2d",
         {"in": 4, "out": 6, "kernel": [3, 2], "stride": [2, 1], "padding": [1, 0], "dilation": [1, 2],
          "groups": 2, "bias": False},
         nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2, bias=False),
         normal(2, 4, 7, 6))
add_case("conv2d_unbatched", "Conv2d",
         {"in": 2, "out": 3, "kernel": [2, 2], "stride": [1, 1], "padding": [0, 0], "dilation": [1, 1],
          "groups": 1, "bias": True},
         nn.Conv2d(2, 3, 2), normal(2, 4, 3))

# Batch normalisation


def bn_config(features, momentum=0.1, affine=True, track=True, eps=1e-5):
    return {"features": features, "eps": eps, "momentum": momentum, "affine": affine, "track": track}


add_case("batchnorm1d_train", "BatchNorm1d", bn_config(4), nn.BatchNorm1d(4), normal(6, 4) * 2 + 1)
add_case("batchnorm1d_train_3d", "BatchNorm1d", bn_config(4, momentum=0.3),
         nn.BatchNorm1d(4, momentum=0.3), normal(3, 4, 5))
add_case("batchnorm1d_eval", "BatchNorm1d", bn_config(4), nn.BatchNorm1d(4), normal(6, 4), mode="eval")
add_case("batchnorm2d_train", "BatchNorm2d", bn_config(3), nn.BatchNorm2d(3), normal(2, 3, 4, 4) + 0.5)
add_case("batchnorm2d_eval", "BatchNorm2d", bn_config(3), nn.BatchNorm2d(3), normal(2, 3, 4, 4), mode="eval")
add_case("batchnorm2d_cumulative", "BatchNorm2d", bn_config(3, momentum=None),
         nn.BatchNorm2d(3, momentum=None), normal(2, 3, 3, 3))
add_case("batchnorm2d_no_affine", "BatchNorm2d", bn_config(2, affine=False, eps=1e-3),
         nn.BatchNorm2d(2, affine=False, eps=1e-3), normal(3, 2, 2, 3))
add_case("batchnorm2d_untracked_train", "BatchNorm2d", bn_config(2, track=False),
         nn.BatchNorm2d(2, track_running_stats=False), normal(3, 2, 2, 2))
add_case("batchnorm2d_untracked_eval", "BatchNorm2d", bn_config(2, track=False),
         nn.BatchNorm2d(2, track_running_stats=False), normal(3, 2, 2, 2), mode="eval")

# Layer and group normalisation
add_case("layernorm", "LayerNorm", {"shape": [4], "eps": 1e-5, "affine": True, "bias": True},
         nn.LayerNorm(4), normal(3, 4) * 3)
add_case("layernorm_2d_shape", "LayerNorm", {"shape": [3, 5], "eps": 1e-5, "affine": True, "bias": True},
         nn.LayerNorm([3, 5]), normal(2, 3, 5))
add_case("layernorm_no_bias", "LayerNorm", {"shape": [5], "eps": 1e-4, "affine": True, "bias": False},
         nn.LayerNorm(5, eps=1e-4, bias=False), normal(2, 2, 5))
add_case("layernorm_no_affine", "LayerNorm", {"shape": [5], "eps": 1e-5, "affine": False, "bias": True},
         nn.LayerNorm(5, elementwise_affine=False), normal(3, 5))
add_case("groupnorm", "GroupNorm", {"groups": 2, "channels": 6, "eps": 1e-5, "affine": True},
         nn.GroupNorm(2, 6), normal(2, 6, 3, 3))
add_case("groupnorm_rank2", "GroupNorm", {"groups": 3, "channels": 6, "eps": 1e-5, "affine": True},
         nn.GroupNorm(3, 6), normal(4, 6))
add_case("groupnorm_no_affine", "GroupNorm", {"groups": 1, "channels": 4, "eps": 1e-3, "affine": False},
         nn.GroupNorm(1, 4, eps=1e-3, affine=False), normal(2, 4, 5))

# Embedding (indices as a long tensor; the JSON holds them as numbers)
add_case("embedding", "Embedding", {"count": 7, "dim": 3}, nn.Embedding(7, 3),
         torch.tensor([[1, 5, 1], [0, 6, 2]]))

# Recurrent layers


def rnn_config(input_size, hidden, layers=1, bias=True, batch_first=False, bidirectional=False):
    return {"input": input_size, "hidden": hidden, "layers": layers, "bias": bias,
            "batch_first": batch_first, "bidirectional": bidirectional}


def rnn_states(kind, layers, directions, batch, hidden):
    shape = (layers * directions, batch, hidden) if batch is not None else (layers * directions, hidden)
    states = {"h0": normal(*shape, scale=0.5)}
    if kind == "LSTM":
        states["c0"] = normal(*shape, scale=0.5)
    return states


for kind, cls in (("LSTM", nn.LSTM), ("GRU", nn.GRU)):
    low = kind.lower()
    add_case(f"{low}_two_layers", kind, rnn_config(3, 4, layers=2), cls(3, 4, num_layers=2),
             normal(5, 2, 3), states=rnn_states(kind, 2, 1, 2, 4))
    add_case(f"{low}_batch_first_zero_state", kind, rnn_config(3, 4, batch_first=True),
             cls(3, 4, batch_first=True), normal(2, 4, 3))
    add_case(f"{low}_no_bias", kind, rnn_config(2, 3, bias=False), cls(2, 3, bias=False),
             normal(4, 3, 2), states=rnn_states(kind, 1, 1, 3, 3))
    add_case(f"{low}_bidirectional", kind, rnn_config(3, 2, layers=2, bidirectional=True, batch_first=True),
             cls(3, 2, num_layers=2, bidirectional=True, batch_first=True),
             normal(2, 4, 3), states=rnn_states(kind, 2, 2, 2, 2))
    add_case(f"{low}_unbatched", kind, rnn_config(2, 3), cls(2, 3), normal(4, 2),
             states=rnn_states(kind, 1, 1, None, 3))

# Sequential stacks (configs of their layers in order)
add_case("sequential_mlp", "Sequential",
         {"layers": [{"kind": "Linear", "config": {"in": 4, "out": 5, "bias": True}},
                     {"kind": "Tanh", "config": {}},
                     {"kind": "Linear", "config": {"in": 5, "out": 2, "bias": True}}]},
         nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2)), normal(3, 4))
add_case("sequential_conv", "Sequential",
         {"layers": [{"kind": "Conv2d", "config": {"in": 1, "out": 2, "kernel": [3, 3], "stride": [1, 1],
                                                   "padding": [1, 1], "dilation": [1, 1], "groups": 1,
                                                   "bias": True}},
                     {"kind": "BatchNorm2d", "config": bn_config(2)},
                     {"kind": "ReLU", "config": {}},
                     {"kind": "MaxPool2d", "config": {"kernel": [2, 2], "stride": [2, 2], "padding": [0, 0]}},
                     {"kind": "Flatten", "config": {"start": 1, "end": -1}},
                     {"kind": "Linear", "config": {"in": 8, "out": 3, "bias": True}}]},
         nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                       nn.Linear(8, 3)),
         normal(3, 1, 4, 4))

# Pooling and flattening
add_case("maxpool2d", "MaxPool2d", {"kernel": [2, 2], "stride": [2, 2], "padding": [0, 0]},
         nn.MaxPool2d(2), normal(2, 2, 4, 4))
add_case("maxpool2d_overlapping", "MaxPool2d", {"kernel": [3, 3], "stride": [2, 2], "padding": [1, 1]},
         nn.MaxPool2d(3, stride=2, padding=1), normal(1, 2, 5, 5))
add_case("avgpool2d", "AvgPool2d", {"kernel": [2, 2], "stride": [2, 2], "padding": [0, 0]},
         nn.AvgPool2d(2), normal(2, 2, 4, 4))
add_case("avgpool2d_padded", "AvgPool2d", {"kernel": [3, 2], "stride": [2, 1], "padding": [1, 1]},
         nn.AvgPool2d((3, 2), stride=(2, 1), padding=(1, 1)), normal(1, 2, 5, 4))
add_case("flatten", "Flatten", {"start": 1, "end": -1}, nn.Flatten(), normal(2, 3, 2, 2))
add_case("flatten_middle", "Flatten", {"start": 0, "end": 1}, nn.Flatten(0, 1), normal(2, 3, 2))

# Activations
activation_input = normal(3, 5) * 2
for kind, config, module in (
        ("ReLU", {}, nn.ReLU()),
        ("LeakyReLU", {"negative_slope": 0.2}, nn.LeakyReLU(0.2)),
        ("ELU", {"alpha": 0.7}, nn.ELU(0.7)),
        ("GELU", {"approximate": "none"}, nn.GELU()),
        ("GELU", {"approximate": "tanh"}, nn.GELU(approximate="tanh")),
        ("Sigmoid", {}, nn.Sigmoid()),
        ("Tanh", {}, nn.Tanh()),
        ("Softplus", {"beta": 2.0, "threshold": 3.0}, nn.Softplus(beta=2.0, threshold=3.0)),
        ("LogSigmoid", {}, nn.LogSigmoid()),
        ("SiLU", {}, nn.SiLU()),
        ("Softmax", {"dim": 1}, nn.Softmax(dim=1)),
        ("LogSoftmax", {"dim": 0}, nn.LogSoftmax(dim=0)),
        ("Identity", {}, nn.Identity())):
    suffix = "_" + config["approximate"] if kind == "GELU" else ""
    add_case(kind.lower() + suffix, kind, config, module, activation_input)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "layers.json")
with open(path, "w") as f:
    json.dump({"generator": "make_layer_references.py", "torch": torch.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {path}")
