"""The semantics scenarios that must call TensorFlow's own API (a tape, a Variable, an optimizer,
a raw op): each function observes one situation. Only this module and the other ``on_<framework>``
modules (and ``harness/frameworks/``) import a framework; a row reaches these functions through
``suites.semantics.raw.TF_RAW`` when it runs, so a missing framework skips its rows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from harness.training import Run, flat
from suites.semantics import parameters, pitfalls, workflows


def grad(op: Callable, x, dtype: str = "float32"):
    """``tape.gradient(reduce_sum(op(v)), v)`` for a ``tf.Variable`` v: may be None."""
    import tensorflow as tf

    v = tf.Variable(np.asarray(x, dtype=dtype))
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(op(v))
    return tape.gradient(y, v)


def constant_weights(fix: bool = False):
    import tensorflow as tf

    w = tf.Variable(pitfalls.W) if fix else tf.constant(pitfalls.W)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * pitfalls.X ** 2)
    return tape.gradient(loss, w)


def watched_constant():
    import tensorflow as tf

    w = tf.constant(pitfalls.W)
    with tf.GradientTape() as tape:
        tape.watch(w)
        loss = tf.reduce_sum(w * pitfalls.X ** 2)
    return tape.gradient(loss, w)


def untrainable(fix: bool = False):
    import tensorflow as tf

    w = tf.Variable(pitfalls.W, trainable=False)
    with tf.GradientTape() as tape:
        if fix:
            tape.watch(w)
        loss = tf.reduce_sum(w * pitfalls.X ** 2)
    return tape.gradient(loss, w)


def loop(fix: bool = False):
    import tensorflow as tf

    w = tf.Variable(1.0, dtype=tf.float64)
    for step in range(2):
        with tf.GradientTape() as tape:
            loss = (3.0 * w - 2.0) ** 2
        grad = tape.gradient(loss, w)
        if step == 1:
            return grad
        if fix:
            w.assign_sub(pitfalls.LR * grad)
        else:
            w = w - pitfalls.LR * grad  # w is now a plain Tensor: the next tape does not watch it


def numpy_inside(fix: bool = False):
    import tensorflow as tf

    w = tf.Variable(pitfalls.W)
    with tf.GradientTape() as tape:
        squared = tf.square(w) if fix else tf.constant(np.square(w.numpy()))
        loss = tf.reduce_sum(squared)
    return tape.gradient(loss, w)


def integer(fix: bool = False):
    import tensorflow as tf

    v = tf.Variable(3.0 if fix else 3)
    with tf.GradientTape() as tape:
        y = v * v
    return tape.gradient(y, v)


def two_gradients(persistent: bool = False):
    import tensorflow as tf

    x = tf.Variable([1.0, 3.0], dtype=tf.float64)
    with tf.GradientTape(persistent=persistent) as tape:
        y = x * x
        z = y * y
    tape.gradient(z, x)
    return tape.gradient(y, x)


def gradient_inside_context():
    import tensorflow as tf

    x = tf.Variable([1.0, 3.0], dtype=tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        y = x * x
        g = tape.gradient(y, x)
    return g


def gradient_twice():
    import tensorflow as tf

    x = tf.Variable([2.0], dtype=tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(x * x)
    tape.gradient(y, x)
    return tape.gradient(y, x)


def intermediate():
    import tensorflow as tf

    x = tf.Variable(pitfalls.X)
    with tf.GradientTape() as tape:
        y = x * 2.0
        z = tf.reduce_sum(y ** 2)
    return tape.gradient(z, y)


def unconnected(zero: bool = False):
    import tensorflow as tf

    x, y = tf.Variable(pitfalls.X), tf.Variable(pitfalls.W)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(x * x)
    return tape.gradient(loss, [x, y], unconnected_gradients="zero" if zero else "none")[1]


def keras_unconnected_zero(fix: bool = False):
    import tensorflow as tf

    layer = tf.keras.layers.Dense(2, dtype="float64")
    layer.build((None, 3))
    x = tf.constant(pitfalls.X[None, :])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(x * 2.0)
    if fix:
        grad = tape.gradient(loss, layer.kernel)
        return tf.zeros_like(layer.kernel) if grad is None else grad
    return tape.gradient(loss, layer.kernel, unconnected_gradients=tf.UnconnectedGradients.ZERO)


def nonscalar():
    import tensorflow as tf

    x = tf.Variable(pitfalls.X)
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient(y, x)


def stopped(fix: bool = False):
    import tensorflow as tf

    x = tf.Variable(pitfalls.X)
    with tf.GradientTape() as tape:
        y = x if fix else tf.stop_gradient(x)
        loss = tf.reduce_sum(y ** 2)
    return tape.gradient(loss, x)


def not_recording(fix: bool = False):
    import tensorflow as tf

    x = tf.Variable(pitfalls.X)
    with tf.GradientTape() as tape:
        if fix:
            loss = tf.reduce_sum(x ** 2)
        else:
            with tape.stop_recording():
                loss = tf.reduce_sum(x ** 2)
    return tape.gradient(loss, x)


def second_of_linear(zero: bool = False):
    import tensorflow as tf

    x = tf.Variable([2.0], dtype=tf.float64)
    unconnected = "zero" if zero else "none"
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(3.0 * x)
        g = inner.gradient(y, x)
    return outer.gradient(g, x, unconnected_gradients=unconnected)


def gather(dense: bool = False):
    import tensorflow as tf

    x = tf.Variable(pitfalls.X)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(x, pitfalls.IDX))
    g = tape.gradient(loss, x)
    return tf.convert_to_tensor(g) if dense else g


def keras_inference_mode():
    import tensorflow as tf

    layer = tf.keras.layers.Dense(2, use_bias=False, dtype="float64")
    layer.build((None, 2))
    layer.kernel.assign(workflows.K)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(workflows.X[None, :], training=False) ** 2)
    return tape.gradient(loss, layer.kernel)


def grad_of_grad(nested: bool = False):
    import tensorflow as tf

    x = tf.Variable([1.5, -0.5], dtype=tf.float64)
    if nested:
        with tf.GradientTape() as outer:
            with tf.GradientTape() as inner:
                y = tf.reduce_sum(x ** 3)
            g_sum = tf.reduce_sum(inner.gradient(y, x))  # inside the outer context, so it is recorded
        return outer.gradient(g_sum, x)
    with tf.GradientTape(persistent=True) as tape:
        y = tf.reduce_sum(x ** 3)
    g = tape.gradient(y, x)  # computed outside the context: not recorded
    return tape.gradient(tf.reduce_sum(g), x)


def python_float(fix: bool = False):
    import tensorflow as tf

    v = tf.Variable(workflows.X)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(v ** 2)
        scaled = (loss if fix else tf.constant(float(loss), dtype=tf.float64)) * 2.0
    return tape.gradient(scaled, v)


def cast_variable():
    import tensorflow as tf

    v = tf.Variable(workflows.X.astype(np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.cast(v, tf.float64) ** 2)
    return tape.gradient(loss, v)


def dict_targets():
    import tensorflow as tf

    v = tf.Variable(workflows.X)
    with tf.GradientTape() as tape:
        targets = {"a": v ** 2, "b": 1.0 / v}
    return tape.gradient(targets, v)


def keras_lazy(build: bool = False):
    import tensorflow as tf

    model = tf.keras.Sequential([tf.keras.layers.Dense(2, use_bias=False, dtype="float64")])
    if build:
        model.build((None, 2))
        model.layers[0].kernel.assign(workflows.K)
    with tf.GradientTape() as tape:
        variables = list(model.trainable_variables)  # taken before the first call, as an optimizer set-up might
        loss = tf.reduce_sum(model(workflows.X[None, :]) ** 2)
    grads = tape.gradient(loss, variables)
    return grads[0] if build else np.array([len(grads)], dtype=np.float64)


def keras_model(register: bool):
    import tensorflow as tf

    class Linear(tf.keras.Model):
        def __init__(self):
            super().__init__(dtype="float64")
            if register:
                self.kernel = self.add_weight(shape=parameters.K.shape, initializer="zeros", dtype="float64")
                self.kernel.assign(parameters.K)
            else:
                self.kernel = tf.Variable(parameters.K)

        def call(self, x):
            return x @ self.kernel

    return Linear()


def keras_gradient():
    import tensorflow as tf

    model = keras_model(True)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(parameters.X) ** 2)
    (grad,) = tape.gradient(loss, model.trainable_variables)
    return grad


def eager(run: Run, dtype: str, method: str) -> np.ndarray:
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


def graph_graph(run: Run, dtype: str, method: str) -> np.ndarray:
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


def default_gelu():
    """TensorFlow's GELU as called with no arguments (exact, erf form)."""
    import tensorflow as tf

    return tf.nn.gelu


def forward_through_compiled():
    """The forward-mode derivative of sin(x)·x at ``workflows.X`` along ones, the function a ``tf.function``."""
    import tensorflow as tf

    from suites.semantics import workflows

    compiled = tf.function(lambda y: tf.sin(y) * y)
    x = tf.constant(workflows.X)
    with tf.autodiff.ForwardAccumulator(x, tf.ones_like(x)) as acc:
        out = compiled(x)
    return acc.jvp(out)


def forward_of_custom_gradient(differentiable_forward: bool = False):
    """Forward mode (along ones) at ``workflows.X`` of sin computed outside autodiff (``tf.stop_gradient``,
    standing for a NumPy or SciPy kernel) with its derivative supplied by ``tf.custom_gradient``. With
    ``differentiable_forward`` the forward is plain ``tf.sin`` and the custom gradient says 10·dy instead:
    then the JVP follows the forward ops (cos) and ignores the custom gradient (measured, TF 2.21)."""
    import tensorflow as tf

    from suites.semantics import workflows

    @tf.custom_gradient
    def sin(x):
        if differentiable_forward:
            return tf.sin(x), lambda dy: 10.0 * dy
        return tf.stop_gradient(tf.sin(x)), lambda dy: dy * tf.cos(x)
    x = tf.constant(workflows.X)
    with tf.autodiff.ForwardAccumulator(x, tf.ones_like(x)) as acc:
        out = sin(x)
    return acc.jvp(out)
