"""One meta-learning workload on one peer framework, CPU, one thread, float32.

    .build/peers-venv/bin/python Benchmarks/peers/maml_bench.py --peer NAME --workload W [--quick]
    .build/peers-venv/bin/python Benchmarks/peers/maml_bench.py --check [--workload W ...]

The first form prints one JSON line: {peer, workload, seconds_per_iteration,
peak_rss_mb, ...}: the median time of one meta-iteration (or one hypergradient) after
an untimed warm-up, and the process's peak resident set size at the end.

The second form runs every peer on the same initial weights and data (see
`maml_common.py`) in one process and asserts that they agree on the meta-gradient and
on the parameters after one outer Adam step (`mlp_t8_k5` and `hyper_k100` unless
workloads are named; `cnn_t8_k5` is compared in float64, see CHECK_DTYPE).

One meta-iteration: for each of T tasks, K plain-SGD inner steps from the meta-weights
on the support set, the query loss at the adapted weights and its gradient through the
whole unroll (second order); then one Adam(1e-3) step on the summed meta-gradient.
`hyper_k100` is d(query loss)/d(inner lr) through 100 SGD steps on one task.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import maml_common as mc  # noqa: E402  (numpy only; imports no framework)

mc.pin_one_thread()  # before torch / jax are imported anywhere below

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

PEERS = {
    "torch_functional": "PyTorch, hand-written functional loop, torch.autograd.grad(create_graph=True)",
    "torch_func_loop": "torch.func: functional_call + grad, Python loop over tasks",
    "torch_func_vmap": "torch.func: functional_call + grad, vmap over tasks",
    "higher_py": "higher (PyTorch) innerloop_ctx",
    "torchopt": "TorchOpt MetaSGD",
    "jax_loop": "JAX + optax, jitted meta-step, Python loop over tasks",
    "jax_vmap": "JAX + optax, jitted meta-step, vmap over tasks",
}
# vmap over tasks means nothing for the one-task hypergradient.
NOT_APPLICABLE = {("torch_func_vmap", "hyper_k100"), ("jax_vmap", "hyper_k100")}

# (warm-up, timed) iterations per workload kind; --quick uses QUICK_ITERATIONS.
ITERATIONS = {"mlp": (3, 30), "cnn": (1, 5), "hyper": (3, 30)}
QUICK_ITERATIONS = (1, 3)


def applicable(peer, workload):
    return (peer, workload) not in NOT_APPLICABLE


# ----------------------------------------------------------------------------- PyTorch

_torch_ready = False


def torch_setup():
    global _torch_ready
    import torch

    if not _torch_ready:
        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
        _torch_ready = True
    return torch


def torch_modules():
    """The two networks as nn.Modules whose parameters() order is maml_common's."""
    import torch.nn as nn
    import torch.nn.functional as F

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.l1 = nn.Linear(1, mc.MLP_HIDDEN)
            self.l2 = nn.Linear(mc.MLP_HIDDEN, mc.MLP_HIDDEN)
            self.l3 = nn.Linear(mc.MLP_HIDDEN, 1)

        def forward(self, x):
            return self.l3(F.relu(self.l2(F.relu(self.l1(x)))))

    class Block(nn.Module):
        def __init__(self, in_channels):
            super().__init__()
            self.conv = nn.Conv2d(in_channels, mc.CNN_CHANNELS, 3, padding=1)
            # Batch statistics always (training mode), no running statistics.
            self.bn = nn.BatchNorm2d(mc.CNN_CHANNELS, eps=mc.BN_EPS, track_running_stats=False)

        def forward(self, x):
            return F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)

    class ConvNet(nn.Module):
        def __init__(self):
            super().__init__()
            channels = [1] + [mc.CNN_CHANNELS] * (mc.CNN_BLOCKS - 1)
            self.blocks = nn.ModuleList([Block(c) for c in channels])
            self.head = nn.Linear(mc.CNN_CHANNELS, mc.CNN_WAYS)

        def forward(self, x):
            for block in self.blocks:
                x = block(x)
            return self.head(x.flatten(1))

    return MLP, ConvNet


def torch_functional_forward(kind):
    """forward(params_list, x) written out by hand, and the loss for `kind`."""
    import torch.nn.functional as F

    def mlp(p, x):
        h = F.relu(F.linear(x, p[0], p[1]))
        h = F.relu(F.linear(h, p[2], p[3]))
        return F.linear(h, p[4], p[5])

    def cnn(p, x):
        for i in range(mc.CNN_BLOCKS):
            w, b, scale, shift = p[4 * i: 4 * i + 4]
            x = F.conv2d(x, w, b, padding=1)
            x = F.batch_norm(x, None, None, scale, shift, training=True, eps=mc.BN_EPS)
            x = F.max_pool2d(F.relu(x), 2)
        return F.linear(x.flatten(1), p[-2], p[-1])

    if kind == "cnn":
        return cnn, F.cross_entropy
    return mlp, F.mse_loss


class TorchPeer:
    """Shared plumbing: module, tensors, outer Adam, and the common step/check API.

    Subclasses implement `accumulate_meta_gradient()` (leaves the summed meta-gradient
    in each parameter's .grad) and `hypergradient()` (returns d loss / d lr).
    """

    def __init__(self, problem):
        torch = torch_setup()
        self.torch = torch
        self.problem = problem
        self.kind = problem["kind"]
        self.steps = problem["steps"]
        self.inner_lr = problem["inner_lr"]
        MLP, ConvNet = torch_modules()
        self.model = ConvNet() if self.kind == "cnn" else MLP()
        if problem["dtype"] == "float64":  # --check only
            self.model.double()
        with torch.no_grad():
            for p, a in zip(self.model.parameters(), problem["params"], strict=True):
                assert tuple(p.shape) == a.shape, (p.shape, a.shape)
                p.copy_(torch.from_numpy(a))
        self.params = list(self.model.parameters())
        self.meta_opt = torch.optim.Adam(self.params, lr=mc.OUTER_LR)
        data = [torch.from_numpy(d) for d in problem["data"]]
        if self.kind == "cnn":
            self.support = (data[0], data[1])
            self.query = (data[2], data[3])
        else:  # sinusoid: the query set is the support set
            self.support = self.query = (data[0], data[1])
        self.loss = torch_functional_forward(self.kind)[1]

    def task(self, i):
        return self.support[0][i], self.support[1][i], self.query[0][i], self.query[1][i]

    def step(self):
        if self.kind == "hyper":
            return self.hypergradient()
        self.meta_opt.zero_grad(set_to_none=True)
        self.accumulate_meta_gradient()
        self.meta_opt.step()

    def meta_gradient(self):
        if self.kind == "hyper":
            return [self.hypergradient().detach().numpy().reshape(1)]
        self.meta_opt.zero_grad(set_to_none=True)
        self.accumulate_meta_gradient()
        return [p.grad.detach().numpy().copy() for p in self.params]

    def parameters(self):
        return [p.detach().numpy().copy() for p in self.params]


class TorchFunctional(TorchPeer):
    def __init__(self, problem):
        super().__init__(problem)
        self.forward = torch_functional_forward(self.kind)[0]

    def adapt(self, fast, x, y, lr):
        grad = self.torch.autograd.grad
        for _ in range(self.steps):
            g = grad(self.loss(self.forward(fast, x), y), fast, create_graph=True)
            fast = [w - lr * gw for w, gw in zip(fast, g)]
        return fast

    def accumulate_meta_gradient(self):
        for i in range(self.problem["tasks"]):
            sx, sy, qx, qy = self.task(i)
            fast = self.adapt(self.params, sx, sy, self.inner_lr)
            self.loss(self.forward(fast, qx), qy).backward()

    def hypergradient(self):
        torch = self.torch
        lr = torch.tensor(self.inner_lr, requires_grad=True)
        sx, sy, qx, qy = self.task(0)
        fast = self.adapt(self.params, sx, sy, lr)
        return torch.autograd.grad(self.loss(self.forward(fast, qx), qy), lr)[0]


class TorchFunc(TorchPeer):
    """torch.func: functional_call + grad; tasks by a Python loop or by vmap."""

    def __init__(self, problem, use_vmap):
        super().__init__(problem)
        from torch.func import functional_call, grad, vmap

        self.use_vmap = use_vmap
        self.names = [n for n, _ in self.model.named_parameters()]
        model, loss, steps = self.model, self.loss, self.steps

        def loss_fn(p, x, y):
            return loss(functional_call(model, p, (x,)), y)

        def adapt(p, x, y, lr):
            for _ in range(steps):
                g = grad(loss_fn)(p, x, y)
                p = {n: p[n] - lr * g[n] for n in p}
            return p

        def task_loss(p, sx, sy, qx, qy, lr):
            return loss_fn(adapt(p, sx, sy, lr), qx, qy)

        self.task_grad = grad(task_loss)
        self.batched_task_grad = vmap(self.task_grad, in_dims=(None, 0, 0, 0, 0, None))
        self.lr_grad = grad(lambda lr, p, sx, sy, qx, qy: task_loss(p, sx, sy, qx, qy, lr))

    def detached(self):
        return {n: p.detach() for n, p in zip(self.names, self.params)}

    def accumulate_meta_gradient(self):
        p = self.detached()
        if self.use_vmap:
            g = self.batched_task_grad(p, *self.support, *self.query, self.inner_lr)
            total = {n: gn.sum(0) for n, gn in g.items()}
        else:
            total = None
            for i in range(self.problem["tasks"]):
                g = self.task_grad(p, *self.task(i), self.inner_lr)
                total = g if total is None else {n: total[n] + g[n] for n in total}
        for n, param in zip(self.names, self.params):
            param.grad = total[n]

    def hypergradient(self):
        lr = self.torch.tensor(self.inner_lr)
        return self.lr_grad(lr, self.detached(), *self.task(0))


class HigherPy(TorchPeer):
    """higher.innerloop_ctx around torch.optim.SGD (its differentiable SGD)."""

    def __init__(self, problem):
        super().__init__(problem)
        import higher

        self.higher = higher
        self.inner_opt = self.torch.optim.SGD(self.params, lr=self.inner_lr)

    def accumulate_meta_gradient(self):
        for i in range(self.problem["tasks"]):
            sx, sy, qx, qy = self.task(i)
            with self.higher.innerloop_ctx(self.model, self.inner_opt, copy_initial_weights=False) as (
                fmodel,
                diffopt,
            ):
                for _ in range(self.steps):
                    diffopt.step(self.loss(fmodel(sx), sy))
                self.loss(fmodel(qx), qy).backward()

    def hypergradient(self):
        torch = self.torch
        lr = torch.tensor(self.inner_lr, requires_grad=True)
        sx, sy, qx, qy = self.task(0)
        with self.higher.innerloop_ctx(self.model, self.inner_opt, override={"lr": [lr]}) as (fmodel, diffopt):
            for _ in range(self.steps):
                diffopt.step(self.loss(fmodel(sx), sy))
            return torch.autograd.grad(self.loss(fmodel(qx), qy), lr)[0]


class TorchOptPeer(TorchPeer):
    """TorchOpt MetaSGD, state saved and restored around each task (its MAML example)."""

    def __init__(self, problem):
        super().__init__(problem)
        import torchopt

        self.torchopt = torchopt
        # For the hypergradient the learning rate is a leaf tensor that requires grad.
        self.lr = self.torch.tensor(self.inner_lr, requires_grad=True) if self.kind == "hyper" else self.inner_lr
        self.inner_opt = torchopt.MetaSGD(self.model, lr=self.lr)

    def accumulate_meta_gradient(self):
        torchopt, inner_opt = self.torchopt, self.inner_opt
        net_state = torchopt.extract_state_dict(self.model, by="reference", detach_buffers=True)
        opt_state = torchopt.extract_state_dict(inner_opt)
        for i in range(self.problem["tasks"]):
            sx, sy, qx, qy = self.task(i)
            for _ in range(self.steps):
                inner_opt.step(self.loss(self.model(sx), sy))
            self.loss(self.model(qx), qy).backward()
            torchopt.recover_state_dict(self.model, net_state)
            torchopt.recover_state_dict(inner_opt, opt_state)

    def hypergradient(self):
        torch, torchopt, inner_opt = self.torch, self.torchopt, self.inner_opt
        net_state = torchopt.extract_state_dict(self.model, by="reference", detach_buffers=True)
        opt_state = torchopt.extract_state_dict(inner_opt)
        sx, sy, qx, qy = self.task(0)
        for _ in range(self.steps):
            inner_opt.step(self.loss(self.model(sx), sy))
        g = torch.autograd.grad(self.loss(self.model(qx), qy), self.lr)[0]
        torchopt.recover_state_dict(self.model, net_state)
        torchopt.recover_state_dict(inner_opt, opt_state)
        return g


# --------------------------------------------------------------------------------- JAX


class JaxPeer:
    """JAX + optax. Parameters are a list of arrays; the CNN runs NHWC with HWIO
    kernels (XLA's preferred CPU layout), converted from the shared NCHW/OIHW arrays
    once, outside the timed region. Everything from the meta-weights to the updated
    meta-weights and Adam state is one jitted function.
    """

    def __init__(self, problem, use_vmap):
        import jax
        import jax.numpy as jnp
        import optax

        self.jax = jax
        self.kind = problem["kind"]
        tasks, steps, inner_lr = problem["tasks"], problem["steps"], problem["inner_lr"]
        self.inner_lr = inner_lr

        params = [np.asarray(a) for a in problem["params"]]
        data = list(problem["data"])
        if self.kind == "cnn":
            params = [a.transpose(2, 3, 1, 0) if a.ndim == 4 else a for a in params]  # OIHW -> HWIO
            data[0] = data[0].transpose(0, 1, 3, 4, 2)  # [T, N, C, H, W] -> [T, N, H, W, C]
            data[2] = data[2].transpose(0, 1, 3, 4, 2)
            data[1] = data[1].astype(np.int32)
            data[3] = data[3].astype(np.int32)
            apply, loss = self._cnn(jax, jnp, optax)
        else:
            data = data + data  # the query set is the support set
            apply, loss = self._mlp(jax, jnp)
        self.params = [jnp.asarray(a) for a in params]
        self.data = tuple(jnp.asarray(d) for d in data)

        def loss_fn(p, x, y):
            return loss(apply(p, x), y)

        def sgd_step(p, x, y, lr):
            g = jax.grad(loss_fn)(p, x, y)
            return [w - lr * gw for w, gw in zip(p, g)]

        # The K inner steps are a lax.scan. For the MLP it stays a loop: unrolling it makes
        # XLA's compile time and memory grow with K (minutes and GBs at T=8, K=50) and is
        # no faster. For the CNN it is fully unrolled: convolutions inside XLA's CPU while
        # loop ran ~6x slower than straight-line code (measured, K=5).
        unroll = steps if self.kind == "cnn" else 1

        def adapt(p, x, y, lr):
            body = lambda q, _: (sgd_step(q, x, y, lr), None)  # noqa: E731
            return jax.lax.scan(body, p, None, length=steps, unroll=unroll)[0]

        def task_loss(p, sx, sy, qx, qy):
            return loss_fn(adapt(p, sx, sy, inner_lr), qx, qy)

        task_grad = jax.grad(task_loss)

        def meta_gradient(p, data):
            if use_vmap:
                g = jax.vmap(task_grad, in_axes=(None, 0, 0, 0, 0))(p, *data)
                return [gw.sum(0) for gw in g]
            total = None
            for i in range(tasks):
                g = task_grad(p, *(d[i] for d in data))
                total = g if total is None else [a + b for a, b in zip(total, g)]
            return total

        self.tx = optax.adam(mc.OUTER_LR)
        self.opt_state = self.tx.init(self.params)

        def meta_step(p, opt_state, data):
            updates, opt_state = self.tx.update(meta_gradient(p, data), opt_state, p)
            return optax.apply_updates(p, updates), opt_state

        def hypergradient(lr, p, data):
            sx, sy, qx, qy = (d[0] for d in data)
            return loss_fn(adapt(p, sx, sy, lr), qx, qy)

        self.meta_step = jax.jit(meta_step)
        self.meta_gradient_fn = jax.jit(meta_gradient)
        self.hypergradient_fn = jax.jit(jax.grad(hypergradient))

    @staticmethod
    def _mlp(jax, jnp):
        def apply(p, x):
            h = jax.nn.relu(x @ p[0].T + p[1])
            h = jax.nn.relu(h @ p[2].T + p[3])
            return h @ p[4].T + p[5]

        def mse(out, y):
            return jnp.mean((out - y) ** 2)

        return apply, mse

    @staticmethod
    def _cnn(jax, jnp, optax):
        lax = jax.lax

        def apply(p, x):
            for i in range(mc.CNN_BLOCKS):
                w, b, scale, shift = p[4 * i: 4 * i + 4]
                x = lax.conv_general_dilated(
                    x, w, (1, 1), ((1, 1), (1, 1)), dimension_numbers=("NHWC", "HWIO", "NHWC")) + b
                mean = x.mean(axis=(0, 1, 2))
                var = jnp.mean(jnp.square(x - mean), axis=(0, 1, 2))
                x = (x - mean) * lax.rsqrt(var + mc.BN_EPS) * scale + shift
                x = jax.nn.relu(x)
                x = lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
            x = x.reshape(x.shape[0], -1)
            return x @ p[-2].T + p[-1]

        def cross_entropy(logits, labels):
            return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

        return apply, cross_entropy

    def step(self):
        if self.kind == "hyper":
            return self.hypergradient().block_until_ready()
        self.params, self.opt_state = self.meta_step(self.params, self.opt_state, self.data)
        self.jax.block_until_ready((self.params, self.opt_state))

    def hypergradient(self):
        return self.hypergradient_fn(self.inner_lr, self.params, self.data)

    def _to_shared_layout(self, arrays):
        out = [np.asarray(a) for a in arrays]
        if self.kind == "cnn":
            out = [a.transpose(3, 2, 0, 1) if a.ndim == 4 else a for a in out]  # HWIO -> OIHW
        return out

    def meta_gradient(self):
        if self.kind == "hyper":
            return [np.asarray(self.hypergradient()).reshape(1)]
        return self._to_shared_layout(self.meta_gradient_fn(self.params, self.data))

    def parameters(self):
        return self._to_shared_layout(self.params)


def make_peer(name, problem):
    if name == "torch_functional":
        return TorchFunctional(problem)
    if name == "torch_func_loop":
        return TorchFunc(problem, use_vmap=False)
    if name == "torch_func_vmap":
        return TorchFunc(problem, use_vmap=True)
    if name == "higher_py":
        return HigherPy(problem)
    if name == "torchopt":
        return TorchOptPeer(problem)
    if name == "jax_loop":
        return JaxPeer(problem, use_vmap=False)
    if name == "jax_vmap":
        return JaxPeer(problem, use_vmap=True)
    raise ValueError(f"unknown peer {name!r}; one of {', '.join(PEERS)}")


def versions(peer):
    if peer.startswith("jax"):
        import jax
        import optax

        return {"jax": jax.__version__, "optax": optax.__version__}
    import torch

    v = {"torch": torch.__version__}
    if peer == "higher_py":
        import importlib.metadata

        v["higher"] = importlib.metadata.version("higher")
    if peer == "torchopt":
        import torchopt

        v["torchopt"] = torchopt.__version__
    return v


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # ru_maxrss is KB on Linux


def benchmark(peer_name, workload, warmup, iterations, seed):
    framework_versions = versions(peer_name)  # imports the framework
    import_rss_mb = peak_rss_mb()
    problem = mc.make_problem(workload, seed)
    peer = make_peer(peer_name, problem)
    start = time.perf_counter()
    for _ in range(warmup):  # JAX compiles here
        peer.step()
    warmup_seconds = time.perf_counter() - start
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        peer.step()
        times.append(time.perf_counter() - start)
    return {
        "peer": peer_name,
        "workload": workload,
        "seconds_per_iteration": statistics.median(times),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "iterations": iterations,
        "warmup": warmup,
        "warmup_seconds": warmup_seconds,
        "min_seconds": min(times),
        "import_rss_mb": round(import_rss_mb, 1),
        "versions": framework_versions,
    }


# ------------------------------------------------------------------------------- check

CHECK_WORKLOADS = ["mlp_t8_k5", "hyper_k100"]  # cnn_t8_k5 on request: ~6 min in float64
# The CNN is compared in float64: five steps at lr 0.4 through BatchNorm on noise images
# amplify float32 rounding so much that PyTorch's own float32 meta-gradient is ~15% (max
# relative) away from its float64 one, and the peers' float32 results scatter as much.
# In float64 they agree to ~1e-14, which shows they compute the same function.
CHECK_DTYPE = {"mlp": "float32", "hyper": "float32", "cnn": "float64"}
TOLERANCE = {"float32": 1e-4, "float64": 1e-10}
STEP_TOLERANCE = {"float32": 1e-5, "float64": 1e-9}


def max_rel_diff(got, ref):
    """Largest |got - ref| over all arrays, relative to the largest |ref|."""
    scale = max(float(np.abs(r).max()) for r in ref)
    return max(float(np.abs(g - r).max()) for g, r in zip(got, ref, strict=True)) / scale


def check(workloads, seed):
    ok = True
    for workload in workloads:
        dtype = CHECK_DTYPE[mc.WORKLOADS[workload]["kind"]]
        problem = mc.make_problem(workload, seed, dtype)
        tol = TOLERANCE[dtype]
        reference = None
        for name in PEERS:
            if not applicable(name, workload):
                continue
            if name.startswith("jax"):
                import jax

                jax.config.update("jax_enable_x64", dtype == "float64")
            peer = make_peer(name, problem)
            grad = peer.meta_gradient()
            after = None
            if problem["kind"] != "hyper":
                peer.step()
                after = peer.parameters()
            if reference is None:
                reference = (name, grad, after)
                print(f"{workload} ({dtype}): reference {name}: |meta-gradient|_max = "
                      f"{max(float(np.abs(g).max()) for g in grad):.4g}", file=sys.stderr)
                continue
            d_grad = max_rel_diff(grad, reference[1])
            line = f"{workload}: {name:17s} meta-gradient max rel. diff {d_grad:.2e}"
            good = d_grad <= tol
            if after is not None:
                # One Adam step moves each weight by at most ~1e-3; compare absolutely.
                d_step = max(float(np.abs(a - r).max()) for a, r in zip(after, reference[2], strict=True))
                line += f", params after one Adam step max abs. diff {d_step:.2e}"
                good = good and d_step <= STEP_TOLERANCE[dtype]
            print(line + ("" if good else f"  FAIL (tolerance {tol:g})"), file=sys.stderr)
            ok = ok and good
    assert ok, "peers disagree on the meta-gradient"
    print("all peers agree", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peer", choices=list(PEERS))
    parser.add_argument("--workload", action="append", choices=list(mc.WORKLOADS),
                        help="one workload to time (with --check: may repeat)")
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--warmup", type=int, help="untimed iterations (default: by workload)")
    parser.add_argument("--iterations", type=int, help="timed iterations (default: by workload)")
    parser.add_argument("--seed", type=int, default=mc.SEED)
    parser.add_argument("--check", action="store_true",
                        help="assert that all peers produce the same meta-gradient, then exit")
    args = parser.parse_args()

    if args.check:
        check(args.workload or CHECK_WORKLOADS, args.seed)
        return
    if args.peer is None or not args.workload or len(args.workload) != 1:
        parser.error("give --peer and exactly one --workload (or --check)")
    workload = args.workload[0]
    if not applicable(args.peer, workload):
        parser.error(f"{args.peer} does not apply to {workload} (vmap over one task)")
    warmup, iterations = QUICK_ITERATIONS if args.quick else ITERATIONS[mc.WORKLOADS[workload]["kind"]]
    warmup = warmup if args.warmup is None else args.warmup
    iterations = iterations if args.iterations is None else args.iterations
    print(json.dumps(benchmark(args.peer, workload, warmup, iterations, args.seed)), flush=True)


if __name__ == "__main__":
    main()
