"""Shared definitions for the meta-learning peer benchmark (`maml_bench.py`).

Everything here is plain numpy so that every peer, PyTorch-based or JAX, starts from
the same initial weights and the same task batch. Nothing in this module imports a
framework; `pin_one_thread()` must run before any framework is imported.

Parameter order and shapes follow `torch.nn` (Linear weight `[out, in]`, Conv2d
weight `[out, in, kh, kw]`), initialised like PyTorch's defaults: uniform in
±1/sqrt(fan_in) for weights and biases, BatchNorm scale 1 and shift 0.
"""

import os

SEED = 0

# name -> description of one meta-iteration (or hypergradient) workload.
#   kind    "mlp" | "cnn" | "hyper"
#   tasks   T, tasks per meta-batch
#   steps   K, plain-SGD inner steps per task
#   inner_lr
WORKLOADS = {
    "mlp_t8_k5": dict(kind="mlp", tasks=8, steps=5, inner_lr=0.01),
    "mlp_t32_k5": dict(kind="mlp", tasks=32, steps=5, inner_lr=0.01),
    "mlp_t8_k50": dict(kind="mlp", tasks=8, steps=50, inner_lr=0.01),
    "cnn_t8_k5": dict(kind="cnn", tasks=8, steps=5, inner_lr=0.4),
    "hyper_k100": dict(kind="hyper", tasks=1, steps=100, inner_lr=0.01),
}

OUTER_LR = 1e-3  # Adam, default betas (0.9, 0.999) and eps 1e-8

# Sinusoid regression (Finn et al. 2017).
SINE_POINTS = 10
SINE_AMPLITUDE = (0.1, 5.0)
SINE_PHASE = (0.0, 3.141592653589793)
SINE_X = (-5.0, 5.0)
MLP_HIDDEN = 40

# Few-shot classification on random 28x28x1 "images".
CNN_WAYS = 5
CNN_SHOTS = 5  # support images per class
CNN_QUERIES = 15  # query images per class
CNN_CHANNELS = 64
CNN_BLOCKS = 4
CNN_IMAGE = 28
BN_EPS = 1e-5


def pin_one_thread():
    """Restricts BLAS, OpenMP and XLA to one thread; call before importing torch or jax."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    os.environ.setdefault("JAX_PLATFORMS", "cpu")


def _uniform(rng, shape, fan_in):
    import numpy as np

    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(np.float32)


def mlp_init(rng):
    """[W1 (40,1), b1 (40), W2 (40,40), b2 (40), W3 (1,40), b3 (1)], float32."""
    params = []
    for fan_in, fan_out in ((1, MLP_HIDDEN), (MLP_HIDDEN, MLP_HIDDEN), (MLP_HIDDEN, 1)):
        params.append(_uniform(rng, (fan_out, fan_in), fan_in))
        params.append(_uniform(rng, (fan_out,), fan_in))
    return params


def sinusoid_tasks(rng, tasks):
    """x, y of shape [T, 10, 1] float32; the query set is the support set."""
    import numpy as np

    amplitude = rng.uniform(*SINE_AMPLITUDE, size=(tasks, 1, 1))
    phase = rng.uniform(*SINE_PHASE, size=(tasks, 1, 1))
    x = rng.uniform(*SINE_X, size=(tasks, SINE_POINTS, 1))
    y = amplitude * np.sin(x + phase)
    return x.astype(np.float32), y.astype(np.float32)


def cnn_init(rng):
    """Per block [conv W (64,c,3,3), conv b (64), BN scale (64), BN shift (64)], then
    Linear W (5,64), b (5); float32, 18 arrays."""
    import numpy as np

    params = []
    in_channels = 1
    for _ in range(CNN_BLOCKS):
        fan_in = in_channels * 9
        params.append(_uniform(rng, (CNN_CHANNELS, in_channels, 3, 3), fan_in))
        params.append(_uniform(rng, (CNN_CHANNELS,), fan_in))
        params.append(np.ones(CNN_CHANNELS, dtype=np.float32))
        params.append(np.zeros(CNN_CHANNELS, dtype=np.float32))
        in_channels = CNN_CHANNELS
    params.append(_uniform(rng, (CNN_WAYS, CNN_CHANNELS), CNN_CHANNELS))
    params.append(_uniform(rng, (CNN_WAYS,), CNN_CHANNELS))
    return params


def cnn_tasks(rng, tasks):
    """Support x [T, 25, 1, 28, 28], labels [T, 25] (int64); query x [T, 75, 1, 28, 28],
    labels [T, 75]. Images are standard normal noise; labels cycle through 0..4."""
    import numpy as np

    def split(per_class):
        n = CNN_WAYS * per_class
        x = rng.standard_normal((tasks, n, 1, CNN_IMAGE, CNN_IMAGE)).astype(np.float32)
        labels = np.tile(np.arange(CNN_WAYS, dtype=np.int64), (tasks, per_class))
        return x, labels

    support_x, support_y = split(CNN_SHOTS)
    query_x, query_y = split(CNN_QUERIES)
    return support_x, support_y, query_x, query_y


def make_problem(workload, seed=SEED, dtype="float32"):
    """The initial parameters and the data of `workload`, from default_rng(seed).

    Returns a dict with `params` (list of float arrays), `data` (tuple of arrays,
    leading axis = task) and the workload's settings merged in. The values are drawn
    in float32 whatever `dtype` is; "float64" only widens them (for `--check`).
    """
    import numpy as np

    spec = dict(WORKLOADS[workload])
    rng = np.random.default_rng(seed)
    if spec["kind"] == "cnn":
        params = cnn_init(rng)
        data = cnn_tasks(rng, spec["tasks"])
    else:
        params = mlp_init(rng)
        data = sinusoid_tasks(rng, spec["tasks"])
    if dtype != "float32":
        params = [a.astype(dtype) for a in params]
        data = tuple(d.astype(dtype) if d.dtype == np.float32 else d for d in data)
    spec.update(name=workload, params=params, data=data, dtype=dtype)
    return spec
