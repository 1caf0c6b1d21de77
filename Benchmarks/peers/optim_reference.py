"""Reference trajectories of torch.optim (float64) for Higher's optimizer tests.

Every optimizer family and every non-default option Higher ships is run for K steps
on one small problem, and the parameters after each step (and the optimizer state
after the last) are written to Tests/HigherTests/Reference/optimizers.json, which the
Swift tests compare with to 1e-12. Lion is not in torch: its update is written here
in numpy, from the paper's reference implementation. The learning-rate schedulers
Higher mirrors are recorded too.

The problem is the one of the shared meta-gradient fixtures: an MLP 2-5-3-1 with tanh
hidden activations and a linear output, weights shaped like torch.nn.Linear, mean
squared error on 8 support points, all drawn from numpy.random.default_rng(20261123)
(W1, b1, W2, b2, W3, b3 ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)); x ~ U(-2, 2) [8x2] for
the support and then the query set; noise ~ N(0, 1) [8x1] twice;
y = sin(1.5 x0) + 0.5 x1^2 - 0.5 + 0.05 noise). The JSON stores the data explicitly.

    .build/peers-venv/bin/python Benchmarks/peers/optim_reference.py
"""

import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "HigherTests", "Reference", "optimizers.json")
SEED = 20261123
NAMES = ["W1", "b1", "W2", "b2", "W3", "b3"]


def make_problem():
    rng = np.random.default_rng(SEED)
    shapes = [((5, 2), 2), ((5,), 2), ((3, 5), 5), ((3,), 5), ((1, 3), 3), ((1,), 3)]
    init = {}
    for name, (shape, fan_in) in zip(NAMES, shapes):
        bound = 1 / np.sqrt(fan_in)
        init[name] = rng.uniform(-bound, bound, size=shape)
    x_s = rng.uniform(-2, 2, size=(8, 2))
    rng.uniform(-2, 2, size=(8, 2))  # the query inputs of the fixtures, unused here
    n_s = rng.normal(size=(8, 1))
    y_s = np.sin(1.5 * x_s[:, :1]) + 0.5 * x_s[:, 1:2] ** 2 - 0.5 + 0.05 * n_s
    return init, x_s, y_s


INIT, X, Y = make_problem()
XT, YT = torch.tensor(X), torch.tensor(Y)


def forward(p, x):
    h1 = torch.tanh(x @ p[0].T + p[1])
    h2 = torch.tanh(h1 @ p[2].T + p[3])
    return h2 @ p[4].T + p[5]


def loss_of(p):
    return F.mse_loss(forward(p, XT), YT)


def fresh_params():
    return [torch.tensor(INIT[n], requires_grad=True) for n in NAMES]


def flat(tensors):
    return [float(v) for t in tensors for v in t.detach().reshape(-1).tolist()]


def state_record(opt, params):
    """Each state entry, flattened in parameter order (tensors) or listed (scalars)."""
    keys = []
    for p in params:
        for k in opt.state[p].keys():
            if k not in keys:
                keys.append(k)
    out = {}
    for k in keys:
        values = []
        for p in params:
            v = opt.state[p].get(k)
            if v is None:
                continue
            v = torch.as_tensor(v)
            values.extend(float(e) for e in v.detach().reshape(-1).tolist())
        out[k] = values
    return out


def run_torch(name, cls, options, steps, groups=None, clip=None):
    params = fresh_params()
    if groups is None:
        opt = cls(params, foreach=False, **options)
    else:
        # groups: list of (parameter names, per-group options); the rest use `options`.
        opt = cls([{"params": [params[NAMES.index(n)] for n in names], **g} for names, g in groups],
                  foreach=False, **options)
    trajectory, losses = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_of(params)
        losses.append(float(loss.detach()))
        loss.backward()
        if clip is not None:
            kind, value = clip
            if kind == "norm":
                torch.nn.utils.clip_grad_norm_(params, value, foreach=False)
            else:
                torch.nn.utils.clip_grad_value_(params, value, foreach=False)
        opt.step()
        trajectory.append(flat(params))
    case = {"name": name, "optimizer": cls.__name__, "options": options, "steps": steps,
            "losses": losses, "trajectory": trajectory, "state": state_record(opt, params)}
    if groups is not None:
        case["groups"] = [{"params": names, "options": g} for names, g in groups]
    if clip is not None:
        case["clip"] = {"kind": clip[0], "value": clip[1]}
    return case


def run_lion(name, options, steps):
    """Lion (Chen et al. 2023), the reference update, in numpy."""
    lr = options.get("lr", 1e-4)
    beta1, beta2 = options.get("betas", (0.9, 0.99))
    wd = options.get("weight_decay", 0.0)
    maximize = options.get("maximize", False)
    p = [INIT[n].copy() for n in NAMES]
    m = [np.zeros_like(a) for a in p]
    trajectory, losses = [], []
    for _ in range(steps):
        tp = [torch.tensor(a, requires_grad=True) for a in p]
        loss = loss_of(tp)
        losses.append(float(loss.detach()))
        grads = [g.numpy() for g in torch.autograd.grad(loss, tp)]
        for i, g in enumerate(grads):
            if maximize:
                g = -g
            c = beta1 * m[i] + (1 - beta1) * g
            p[i] = p[i] * (1 - lr * wd)
            p[i] = p[i] - lr * np.sign(c)
            m[i] = beta2 * m[i] + (1 - beta2) * g
        trajectory.append([float(v) for a in p for v in a.reshape(-1)])
    state = {"exp_avg": [float(v) for a in m for v in a.reshape(-1)]}
    return {"name": name, "optimizer": "Lion", "options": options, "steps": steps,
            "losses": losses, "trajectory": trajectory, "state": state}


def optimizer_cases():
    O = torch.optim
    cases = [
        ("sgd", O.SGD, {"lr": 0.1}, 6),
        ("sgd_momentum", O.SGD, {"lr": 0.1, "momentum": 0.9}, 6),
        ("sgd_dampening", O.SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}, 6),
        ("sgd_nesterov", O.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}, 6),
        ("sgd_weight_decay", O.SGD, {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.1}, 6),
        ("sgd_maximize", O.SGD, {"lr": 0.01, "momentum": 0.9, "maximize": True}, 6),
        ("adam", O.Adam, {"lr": 0.01}, 6),
        ("adam_amsgrad", O.Adam, {"lr": 0.01, "amsgrad": True}, 8),
        ("adam_weight_decay", O.Adam, {"lr": 0.01, "weight_decay": 0.1}, 6),
        ("adam_decoupled", O.Adam, {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, 6),
        ("adam_betas_eps", O.Adam, {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6}, 6),
        ("adam_maximize", O.Adam, {"lr": 0.01, "maximize": True}, 6),
        ("adamw", O.AdamW, {"lr": 0.01}, 6),
        ("adamw_amsgrad", O.AdamW, {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}, 8),
        ("adamax", O.Adamax, {"lr": 0.01}, 6),
        ("adamax_weight_decay", O.Adamax, {"lr": 0.01, "weight_decay": 0.1, "betas": (0.8, 0.9)}, 6),
        ("adamax_maximize", O.Adamax, {"lr": 0.01, "maximize": True}, 6),
        ("adadelta", O.Adadelta, {}, 6),
        ("adadelta_options", O.Adadelta, {"lr": 0.5, "rho": 0.8, "eps": 1e-5, "weight_decay": 0.1}, 6),
        ("adadelta_maximize", O.Adadelta, {"maximize": True}, 6),
        ("adagrad", O.Adagrad, {"lr": 0.1}, 6),
        ("adagrad_lr_decay", O.Adagrad, {"lr": 0.1, "lr_decay": 0.1}, 6),
        ("adagrad_initial_accumulator", O.Adagrad, {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}, 6),
        ("adagrad_weight_decay", O.Adagrad, {"lr": 0.1, "weight_decay": 0.1, "maximize": True}, 6),
        ("asgd", O.ASGD, {"lr": 0.05}, 6),
        ("asgd_averaging", O.ASGD, {"lr": 0.05, "lambd": 0.01, "alpha": 0.5, "t0": 2, "weight_decay": 0.1}, 8),
        ("asgd_maximize", O.ASGD, {"lr": 0.01, "t0": 0, "maximize": True}, 6),
        ("rmsprop", O.RMSprop, {"lr": 0.01}, 6),
        ("rmsprop_centered", O.RMSprop, {"lr": 0.01, "centered": True}, 6),
        ("rmsprop_momentum", O.RMSprop, {"lr": 0.01, "momentum": 0.9}, 6),
        ("rmsprop_all", O.RMSprop, {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "centered": True,
                                     "momentum": 0.5, "weight_decay": 0.1}, 6),
        ("rmsprop_maximize", O.RMSprop, {"lr": 0.01, "maximize": True}, 6),
        ("rprop", O.Rprop, {"lr": 0.01}, 10),
        ("rprop_etas_step_sizes", O.Rprop, {"lr": 0.02, "etas": (0.3, 1.5), "step_sizes": (0.005, 0.05)}, 10),
        ("rprop_maximize", O.Rprop, {"lr": 0.01, "maximize": True}, 6),
        ("nadam", O.NAdam, {"lr": 0.01}, 10),
        ("nadam_momentum_decay", O.NAdam, {"lr": 0.01, "momentum_decay": 0.01, "betas": (0.8, 0.99)}, 10),
        ("nadam_weight_decay", O.NAdam, {"lr": 0.01, "weight_decay": 0.1}, 10),
        ("nadam_decoupled", O.NAdam, {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, 10),
        ("nadam_maximize", O.NAdam, {"lr": 0.01, "maximize": True}, 6),
        ("radam", O.RAdam, {"lr": 0.01}, 10),
        ("radam_weight_decay", O.RAdam, {"lr": 0.01, "weight_decay": 0.1}, 10),
        ("radam_decoupled", O.RAdam, {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}, 10),
        ("radam_betas", O.RAdam, {"lr": 0.01, "betas": (0.8, 0.9), "eps": 1e-6}, 10),
        ("radam_maximize", O.RAdam, {"lr": 0.01, "maximize": True}, 10),
        ("adafactor", O.Adafactor, {"lr": 0.01}, 6),
        ("adafactor_options", O.Adafactor, {"lr": 0.05, "beta2_decay": -0.5, "eps": (1e-4, 1e-2), "d": 1.5,
                                             "weight_decay": 0.1}, 6),
        ("adafactor_maximize", O.Adafactor, {"lr": 0.01, "maximize": True}, 6),
    ]
    out = [run_torch(name, cls, options, steps) for name, cls, options, steps in cases]
    out.append(run_torch("sgd_groups", O.SGD, {"lr": 0.1, "momentum": 0.9}, 6,
                         groups=[(["W1", "b1"], {"lr": 0.05, "nesterov": True}),
                                 (["W2", "b2", "W3", "b3"], {"weight_decay": 0.1})]))
    out.append(run_torch("adam_groups", O.Adam, {"lr": 0.01}, 6,
                         groups=[(["W3", "b3"], {"lr": 0.03, "amsgrad": True}),
                                 (["W1", "b1", "W2", "b2"], {"betas": (0.8, 0.99)})]))
    out.append(run_torch("sgd_clip_norm", O.SGD, {"lr": 0.1, "momentum": 0.9}, 6, clip=("norm", 0.3)))
    out.append(run_torch("adam_clip_value", O.Adam, {"lr": 0.01}, 6, clip=("value", 0.05)))
    out.append(run_lion("lion", {"lr": 0.01}, 6))
    out.append(run_lion("lion_weight_decay", {"lr": 0.01, "betas": (0.95, 0.98), "weight_decay": 0.5}, 6))
    out.append(run_lion("lion_maximize", {"lr": 0.01, "maximize": True}, 6))
    return out


def schedule_cases():
    S = torch.optim.lr_scheduler
    specs = [
        ("step", S.StepLR, 0.1, {"step_size": 3, "gamma": 0.5}, 12),
        ("exponential", S.ExponentialLR, 0.1, {"gamma": 0.9}, 12),
        ("cosine", S.CosineAnnealingLR, 0.1, {"T_max": 10, "eta_min": 0.001}, 11),
        ("linear_warmup", S.LinearLR, 0.1, {"start_factor": 0.25, "end_factor": 1.0, "total_iters": 4}, 8),
        ("one_cycle_cos", S.OneCycleLR, None, {"max_lr": 0.1, "total_steps": 20}, 20),
        ("one_cycle_linear", S.OneCycleLR, None, {"max_lr": 0.1, "total_steps": 20, "anneal_strategy": "linear",
                                                  "pct_start": 0.25}, 20),
        ("one_cycle_three_phase", S.OneCycleLR, None, {"max_lr": 0.1, "total_steps": 20, "three_phase": True,
                                                       "div_factor": 10.0, "final_div_factor": 100.0}, 20),
    ]
    out = []
    for name, cls, base_lr, options, count in specs:
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=base_lr if base_lr is not None else 0.1)
        sched = cls(opt, **options)
        values = []
        for _ in range(count):
            values.append(float(sched.get_last_lr()[0]))
            opt.step()
            sched.step()
        out.append({"name": name, "scheduler": cls.__name__, "base_lr": base_lr, "options": options,
                    "values": values})
    return out


def main():
    result = {
        "generator": "Benchmarks/peers/optim_reference.py",
        "torch_version": torch.__version__,
        "dtype": "float64",
        "seed": SEED,
        "param_order": NAMES,
        "init": {n: INIT[n].tolist() for n in NAMES},
        "x": X.tolist(),
        "y": Y.tolist(),
        "cases": optimizer_cases(),
        "schedules": schedule_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    # One line per case keeps the file small and its diffs readable.
    with open(OUT, "w") as f:
        f.write("{\n")
        keys = list(result.keys())
        for i, key in enumerate(keys):
            value = result[key]
            comma = "," if i < len(keys) - 1 else ""
            if isinstance(value, list) and value and isinstance(value[0], dict):
                f.write(f" {json.dumps(key)}: [\n")
                for j, item in enumerate(value):
                    f.write("  " + json.dumps(item, separators=(",", ":")) + ("," if j < len(value) - 1 else "") + "\n")
                f.write(f" ]{comma}\n")
            else:
                f.write(f" {json.dumps(key)}: {json.dumps(value, separators=(',', ':'))}{comma}\n")
        f.write("}\n")
    print(f"wrote {OUT}: {len(result['cases'])} optimizer cases, {len(result['schedules'])} schedules",
          file=sys.stderr)


if __name__ == "__main__":
    main()
