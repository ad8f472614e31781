"""The four training-parity runs and how each framework trains them (manual gradient descent,
TF1 graph mode, TF and torch optimizers), all returning the parameter trajectory step by step."""

from __future__ import annotations

import numpy as np

from harness.training import Run, flat
from suites.cases.matrix import SEED_T, SEED_X
from suites.semantics.grads import jax_x64


def _f32(a) -> np.ndarray:
    """Round to float32-representable values, so float32 and float64 runs start identically."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def _runs() -> list[Run]:
    rng = np.random.default_rng(2026)
    x_a, y_a = np.array(SEED_X, float), np.array(SEED_T, float)
    x_b = _f32(rng.uniform(-1.0, 1.0, (64, 1)))
    y_b = _f32(3.0 * x_b + 1.0 + rng.normal(0.0, 0.05, x_b.shape))
    order = [tuple(int(i) for i in rng.permutation(64)[k:k + 8]) for _ in range(100) for k in range(0, 64, 8)]
    x_c = np.array([[1.0], [2.0], [3.0], [4.0]])
    x_d = _f32(rng.uniform(-10.0, 10.0, (200, 1)))
    y_d = _f32(0.1 * x_d + 0.3 + rng.normal(0.0, 0.1, x_d.shape))
    return [
        Run("a-crop-yields", x_a, y_a, _f32(rng.normal(0, 1, (3, 2))), _f32(rng.normal(0, 1, 2)), 1e-5,
            tuple((0, 1, 2, 3, 4) for _ in range(100)), converges=False,
            doc="the seeds' 5×3 → 5×2 model, full batch, lr 1e-5, 100 steps: unscaled inputs make it too "
                "ill-conditioned to reach least squares"),
        Run("b-line-3x-plus-1", x_b, y_b, np.zeros((1, 1)), np.zeros(1), 1e-3, tuple(order), converges=False,
            doc="y = 3x + 1 + noise, batches of 8 reshuffled each epoch, lr 0.001, 100 epochs (800 steps): "
                "too small a rate to converge"),
        Run("c-per-sample-2x", x_c, 2.0 * x_c, np.ones((1, 1)), np.ones(1), 0.01,
            tuple((i,) for _ in range(100) for i in range(4)), converges=False,
            doc="x = [1, 2, 3, 4], y = 2x, W = b = 1, lr 0.01, 100 epochs of per-sample updates: ends at "
                "W ≈ 1.89, b ≈ 0.35, still on its way to (2, 0)"),
        Run("d-noisy-line", x_d, y_d, np.zeros((1, 1)), np.zeros(1), 0.01, tuple(tuple(range(200)) for _ in range(1000)),
            converges=True, doc="y = 0.1x + 0.3 + noise, n = 200, x in [-10, 10], full batch, lr 0.01, 1000 steps"),
    ]


RUNS = _runs()


# -- TensorFlow ----------------------------------------------------------------------------------------

def tf_eager(run: Run, dtype: str, method: str) -> np.ndarray:
    import tensorflow as tf

    w, b = tf.Variable(run.w0.astype(dtype)), tf.Variable(run.b0.astype(dtype))
    optimizer = tf.keras.optimizers.SGD(learning_rate=run.lr) if method == "keras-sgd" else None
    rows = [flat(w.numpy(), b.numpy())]
    for batch in run.batches:
        xb, yb = tf.constant(run.x[list(batch)], dtype), tf.constant(run.y[list(batch)], dtype)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((xb @ w + b - yb) ** 2)
        gw, gb = tape.gradient(loss, [w, b])
        if optimizer is None:
            w.assign_sub(run.lr * gw)
            b.assign_sub(run.lr * gb)
        else:
            optimizer.apply_gradients(zip([gw, gb], [w, b]))
        rows.append(flat(w.numpy(), b.numpy()))
    return np.array(rows)


def tf1_graph(run: Run, dtype: str, method: str) -> np.ndarray:
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        x = v1.placeholder(dtype, shape=(None, run.x.shape[1]))
        y = v1.placeholder(dtype, shape=(None, run.y.shape[1]))
        w, b = v1.Variable(run.w0.astype(dtype)), v1.Variable(run.b0.astype(dtype))
        loss = tf.reduce_mean((tf.matmul(x, w) + b - y) ** 2)
        if method == "tf1-gradients":
            gw, gb = v1.gradients(loss, [w, b])
            step = tf.group(v1.assign(w, w - run.lr * gw), v1.assign(b, b - run.lr * gb))
        elif method == "tf1-minimize":
            step = v1.train.GradientDescentOptimizer(run.lr).minimize(loss, var_list=[w, b])
        else:  # tf1-compute-apply
            optimizer = v1.train.GradientDescentOptimizer(run.lr)
            step = optimizer.apply_gradients(optimizer.compute_gradients(loss, var_list=[w, b]))
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            rows = [flat(*session.run([w, b]))]
            for batch in run.batches:
                session.run(step, feed_dict={x: run.x[list(batch)], y: run.y[list(batch)]})
                rows.append(flat(*session.run([w, b])))
    return np.array(rows)


# -- PyTorch ----------------------------------------------------------------------------------------------

def torch_train(run: Run, dtype: str, method: str) -> np.ndarray:
    import torch

    w = torch.tensor(run.w0.astype(dtype), requires_grad=True)
    b = torch.tensor(run.b0.astype(dtype), requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=run.lr) if method == "optim-sgd" else None
    x_all, y_all = torch.tensor(run.x.astype(dtype)), torch.tensor(run.y.astype(dtype))
    rows = [flat(w.detach().numpy(), b.detach().numpy())]
    for batch in run.batches:
        index = list(batch)
        loss = torch.mean((x_all[index] @ w + b - y_all[index]) ** 2)
        loss.backward()
        if optimizer is None:
            with torch.no_grad():
                w -= run.lr * w.grad
                b -= run.lr * b.grad
            w.grad, b.grad = None, None
        else:
            optimizer.step()
            optimizer.zero_grad()
        rows.append(flat(w.detach().numpy(), b.detach().numpy()))
    return np.array(rows)


# -- JAX --------------------------------------------------------------------------------------------------

def jax_train(run: Run, dtype: str, method: str) -> np.ndarray:
    jax, jnp = jax_x64()

    def loss(params, xb, yb):
        w, b = params
        return jnp.mean((xb @ w + b - yb) ** 2)

    grad = jax.jit(jax.grad(loss))  # jitted, as JAX training loops are
    params = (jnp.asarray(run.w0, dtype), jnp.asarray(run.b0, dtype))
    x_all, y_all = jnp.asarray(run.x, dtype), jnp.asarray(run.y, dtype)
    rows = [flat(*map(np.asarray, params))]
    for batch in run.batches:
        index = jnp.array(batch)
        gw, gb = grad(params, x_all[index], y_all[index])
        params = (params[0] - run.lr * gw, params[1] - run.lr * gb)
        rows.append(flat(*map(np.asarray, params)))
    return np.array(rows)


#: framework -> method -> trainer; "manual" is hand-written gradient descent everywhere
TRAINERS = {
    "tensorflow": {"manual": tf_eager, "keras-sgd": tf_eager, "tf1-gradients": tf1_graph,
                   "tf1-minimize": tf1_graph, "tf1-compute-apply": tf1_graph},
    "torch": {"manual": torch_train, "optim-sgd": torch_train},
    "jax": {"manual": jax_train},
}
#: the optimizer variants run on (c) and (d); manual descent on all four
VARIANT_RUNS = ("c-per-sample-2x", "d-noisy-line")
#: TF's optimizers keep the learning rate in float32 whatever the variables' dtype (measured:
#: 0.01 becomes 0.0099999998), so their float64 trajectories differ from the update in float64
LR_IN_FLOAT32 = ("keras-sgd", "tf1-minimize", "tf1-compute-apply")
#: relative trajectory tolerance per dtype; where the rate is float32, float64 gets float32's rounding of it
TRAJECTORY_RTOL = {"float32": 1e-5, "float64": 1e-12}
LR_FLOAT32_RTOL = 1e-7
#: distance from least squares accepted at the end of a converging run
CONVERGE_TOL = {"float32": 1e-5, "float64": 1e-8}

#: (run, framework, method) to check
TRAININGS = [(run, fw, method) for run in RUNS for fw, methods in TRAINERS.items() for method in methods
             if method == "manual" or run.name in VARIANT_RUNS]


def trajectory_rtol(method: str, dtype: str) -> float:
    return LR_FLOAT32_RTOL if dtype == "float64" and method in LR_IN_FLOAT32 else TRAJECTORY_RTOL[dtype]
