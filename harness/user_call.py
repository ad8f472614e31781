"""A user's function as the public checker calls it: its pytree of arguments split into the leaves to differentiate
and the rest, its outputs made sure to be framework tensors, its float64 evaluation for the reference, and every
framework call guarded, so that what goes wrong reads as one line naming the fix, never a foreign traceback.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from harness import complexes, trees
from harness.errors import GradcheckError, NotDeterministic
from harness.frameworks.base import Adapter, NotAvailable
from harness.frameworks.registry import MODULES


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else ""


def kind_of(dtype: np.dtype) -> str | None:
    """``"float"``, ``"complex"`` or ``None`` (not differentiable)."""
    if dtype.kind == "c":
        return "complex"
    if dtype.kind == "f" or dtype.name == "bfloat16":  # ml_dtypes' bfloat16 is not a NumPy floating subtype
        return "float"
    return None


def wide(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.complex128) if dtype.kind == "c" else np.dtype(np.float64)


def real_vector(arrays: Sequence[Any]) -> np.ndarray:
    """Arrays as one float64 vector, complex ones as (re, im) pairs: the space derivatives are compared in."""
    parts = []
    for a in arrays:
        a = np.asarray(a)
        parts.append(complexes.as_pairs(a).ravel() if a.dtype.kind == "c" else a.astype(np.float64).ravel())
    return np.concatenate(parts) if parts else np.zeros(0)


def split_real(values: Mapping[str, np.ndarray | None], complex_names: set[str]) -> dict[str, np.ndarray | None]:
    """Complex arrays as two real keys (``name.re``, ``name.im``)."""
    out = {}
    for name, v in values.items():
        if name in complex_names:
            v = None if v is None else np.asarray(v, dtype=np.complex128)
            out[f"{name}.re"], out[f"{name}.im"] = (None, None) if v is None else (v.real.copy(), v.imag.copy())
        else:
            out[name] = None if v is None else np.asarray(v, dtype=np.float64)
    return out


#: a framework's own words for "fn left the framework while it was differentiated", and what to say instead
LEFT_THE_FRAMEWORK = re.compile(r"TracerArrayConversionError|ConcretizationTypeError|TracerBoolConversionError"
                                r"|Can't call numpy\(\) on Tensor that requires grad|does not require grad and does "
                                r"not have a grad_fn|only integer tensors of a single element|__array__")
WRONG_SHAPE = re.compile(r"invalid gradient at index (\d+) - got \[([\d, ]*)\] but expected shape compatible with "
                         r"\[([\d, ]*)\]|must produce an output with the same shape|shape mismatch", re.IGNORECASE)


@dataclass
class Leaf:
    path: str
    name: str | None  # the adapter's input name; None for a value passed through unchanged
    value: Any
    source: bool


class UserCall:
    """One function and its arguments, ready for the adapters: ``neutral`` is ``fn`` in their form."""

    def __init__(self, fn: Callable, args: Any, kwargs: Mapping[str, Any] | None, eager: Adapter, adapter: Adapter,
                 path_of: Callable[[tuple], str]):
        if isinstance(args, (list, tuple)):
            self.positional = True
        elif isinstance(args, dict):
            self.positional = False
        else:
            raise GradcheckError(f"args must be a tuple or list (positional arguments) or a dict (keyword "
                                 f"arguments), got {type(args).__name__}: wrap one array as (x,)")
        self.fn, self.args, self.kwargs, self.eager, self.adapter = fn, args, dict(kwargs or {}), eager, adapter
        self.leaves = _parse_args(args, path_of)
        self.sources = [leaf for leaf in self.leaves if leaf.source]
        if not self.sources:
            raise GradcheckError("args hold no floating-point or complex NumPy array to differentiate: pass the "
                                 "inputs as float arrays (np.asarray(x, dtype=np.float64))")
        self.names = [leaf.name for leaf in self.sources]
        self.inputs = {leaf.name: leaf.value for leaf in self.leaves if leaf.name}
        self.complex = {leaf.name for leaf in self.sources if leaf.value.dtype.kind == "c"}
        self.out_paths, self.out_dtypes, self.out_shapes, self.checked = self._outputs()
        self.point = split_real({n: self.inputs[n].astype(wide(self.inputs[n].dtype)) for n in self.names},
                                self.complex)
        self.forward64 = self._float64_forward()

    # -- calling fn ------------------------------------------------------------------------------------------------
    def _call(self, named: Mapping[str, Any]) -> Any:
        tree = trees.rebuild(self.args, [named[leaf.name] if leaf.name else leaf.value for leaf in self.leaves])
        return self.fn(*tree, **self.kwargs) if self.positional else self.fn(**tree, **self.kwargs)

    def neutral(self, xp, **named) -> list[Any]:
        """``fn`` in the adapters' form: named tensors in, the checked output leaves out."""
        outs = trees.leaves(self._call(named))
        return [outs[i] for i in self.checked]

    def evaluate(self) -> list[np.ndarray]:
        """``fn`` at the given args (eager, their own dtypes): the checked output leaves, as NumPy."""
        tensors = {n: self.eager.tensor(v) for n, v in self.inputs.items()}
        return [np.asarray(self.eager.numpy(o)) for o in self.guarded("evaluating fn", lambda: self.neutral(None, **tensors))]

    def _outputs(self):
        tensors = {n: self.eager.tensor(v) for n, v in self.inputs.items()}
        try:
            out = self._call(tensors)
        except GradcheckError:
            raise
        except Exception as exc:
            raise GradcheckError(f"fn failed on the given args ({type(exc).__name__}: {first_line(exc)}): fix fn, or "
                                 f"pass args it accepts (their shapes and dtypes are what fn receives, as "
                                 f"{self.eager.name} tensors)") from None
        paths, dtypes, shapes, checked = [], [], [], []
        for i, (key, leaf) in enumerate(zip(trees.keys(out), trees.leaves(out))):
            path = trees.python_path("output", key)
            if not self.eager.is_tensor(leaf):
                _refuse_non_tensor(path, leaf, self.eager.name)
                continue
            value = np.asarray(self.eager.numpy(leaf))
            if kind_of(value.dtype):
                paths.append(path)
                dtypes.append(str(value.dtype))
                shapes.append(value.shape)
                checked.append(i)
        if not checked:
            raise GradcheckError("fn's output has no floating-point or complex leaf, so nothing is differentiable: "
                                 "return the float tensor (or pytree of them) whose derivative you want")
        return paths, dtypes, shapes, checked

    def _float64_forward(self) -> Callable[[Mapping[str, np.ndarray]], np.ndarray]:
        """``fn`` at a real-space float64 point, as one float64 vector (complex outputs as pairs); its ``stacked``
        evaluates a list of points in one batched call where the framework can map fn (else ``None``)."""
        consts = {n: self.eager.tensor(v) for n, v in self.inputs.items() if n not in self.names}

        def run(*sources):
            return self.neutral(self.eager.xp, **consts, **dict(zip(self.names, sources)))
        forward = run

        def joined(point: Mapping[str, np.ndarray]) -> list[np.ndarray]:
            sources = [point[n] if n not in self.complex else point[f"{n}.re"] + 1j * point[f"{n}.im"] for n in self.names]
            return [np.asarray(self.eager.numpy(o)) for o in forward(*(self.eager.tensor(s) for s in sources))]

        try:
            outs = joined(self.point)
        except Exception as exc:
            raise _fails_in_float64(exc) from None
        shapes = [o.shape for o in outs]
        if shapes != self.out_shapes:
            raise GradcheckError(f"fn's output changes structure in float64 ({len(outs)} checked leaves shaped {shapes}, "
                                 f"{len(self.out_shapes)} shaped {self.out_shapes} at the given dtypes): make fn's "
                                 f"output the same pytree whatever its inputs' dtype")

        def one(point: Mapping[str, np.ndarray]) -> np.ndarray:
            self.calls += 1
            return real_vector(joined(point))
        self.calls = 0
        one.stacked = self._batched(run, one)
        if one.stacked is None and self.eager.compile_small_calls:
            # point by point, JAX's jit pays for itself over thousands of evaluations (not where fn has Python
            # control flow on values: then it stays eager)
            forward = self.eager.compile(run)
            try:
                joined(self.point)
            except Exception:  # noqa: BLE001
                forward = run
        return one

    def _batched(self, run: Callable, one: Callable) -> Callable | None:
        """The reference's points evaluated in one call of the framework's vectorizing map, where fn allows it: a
        map the framework refuses, or one that answers differently from fn called alone, leaves the reference to
        call fn once per point (:attr:`evaluation` says which, and why)."""
        name = self.eager.vectorizer
        self.evaluation = f"one call of fn per point ({self.eager.name} has no vectorizing map)"
        mapped = self.eager.vectorized(run) if name else None
        if mapped is None:
            return None
        def stacked(batch: Mapping[str, np.ndarray]) -> np.ndarray:
            self.calls += 1
            sources = [batch[n] if n not in self.complex else batch[f"{n}.re"] + 1j * batch[f"{n}.im"]
                       for n in self.names]
            outs = [np.asarray(self.eager.numpy(o)) for o in mapped(*(self.eager.tensor(s) for s in sources))]
            b = len(sources[0])
            parts = [(complexes.as_pairs(o) if o.dtype.kind == "c" else o.astype(np.float64, copy=False)).reshape(b, -1)
                     for o in outs]
            return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)

        try:
            with np.errstate(all="ignore"):
                alone = one(self.point)
                together = stacked({n: np.stack([v, v]) for n, v in self.point.items()})
        except Exception as exc:  # noqa: BLE001 — whatever the map refuses, fn is still called point by point
            self.evaluation = (f"one call of fn per point ({name} cannot map fn: {type(exc).__name__}: "
                               f"{first_line(exc)[:120]})")
            return None
        finite = np.isfinite(alone)
        scale = float(np.max(np.abs(alone[finite]), initial=0.0)) + 1.0
        if together.shape != (2, alone.size) or not np.array_equal(np.isfinite(together[0]), finite) or \
                np.max(np.abs(np.where(finite, together[0] - alone, 0.0)), initial=0.0) > 1e-8 * scale:
            self.evaluation = f"one call of fn per point ({name} maps fn to different values than fn alone)"
            return None
        self.evaluation = f"batched: each rung of the ladder in one call of {name}"
        return stacked

    # -- guarding the framework's calls ----------------------------------------------------------------------------
    def guarded(self, what: str, call: Callable[[], Any]) -> Any:
        """``call()``, with what the framework raises turned into one line that names the fix."""
        try:
            return call()
        except (GradcheckError, NotAvailable):
            raise
        except Exception as exc:
            raise self._explained(what, exc) from None

    def _explained(self, what: str, exc: Exception) -> GradcheckError:
        name, text = self.adapter.name, f"{type(exc).__name__}: {first_line(exc)}"
        if LEFT_THE_FRAMEWORK.search(f"{type(exc).__name__} {exc}"):
            return GradcheckError(f"fn takes a value out of {name} while {name} differentiates it ({text}): keep the "
                                  f"computation in {name} operations (no NumPy functions, .numpy(), .item() or float() "
                                  f"on values the output depends on)")
        shape = WRONG_SHAPE.search(str(exc))
        if shape and shape.group(2) is not None:
            got, want = (tuple(int(v) for v in g.split(",") if v.strip()) for g in shape.group(2, 3))
            where = [leaf.path for leaf in self.sources if leaf.value.shape == want]
            return GradcheckError(f"a custom gradient returns a gradient shaped {got} for "
                                  f"{' or '.join(where) or 'an input'} shaped {want} ({name}: {text}): return one "
                                  f"gradient per input, shaped like it (sum a broadcast gradient over the broadcast axes)")
        return GradcheckError(f"{name} failed {what} ({text}): fix fn or its custom derivative so that {name} can "
                              f"differentiate it at these args")

    def shaped(self, label: str, grads: Mapping[str, Any]) -> dict[str, np.ndarray | None]:
        """The framework's gradients, each checked to have its input's shape (a custom gradient that forgot to sum a
        broadcast one does not), as NumPy."""
        out = {}
        for leaf in self.sources:
            g = grads.get(leaf.name)
            if g is not None and np.shape(g) != leaf.value.shape:
                raise GradcheckError(f"the {label} gradient for {leaf.path} is shaped {tuple(np.shape(g))}, but "
                                     f"{leaf.path} is shaped {leaf.value.shape}: a custom gradient must return one "
                                     f"gradient per input, shaped like it (sum a broadcast gradient over the axes "
                                     f"the input was broadcast along)")
            out[leaf.name] = g
        return out

    # -- determinism -----------------------------------------------------------------------------------------------
    def same_twice(self, what: str, first: Sequence[Any], second: Sequence[Any], labels: Sequence[str],
                   nondet_tol: float) -> float:
        """The largest difference between two evaluations at the same inputs; beyond ``nondet_tol``, raise."""
        largest = 0.0
        for label, a, b in zip(labels, first, second):
            if a is None or b is None:
                continue
            a, b = np.asarray(a, np.complex128).ravel(), np.asarray(b, np.complex128).ravel()
            with np.errstate(invalid="ignore"):
                diff = np.where((a == b) | (np.isnan(a) & np.isnan(b)), 0.0, np.abs(a - b))
            diff = np.where(np.isnan(diff), np.inf, diff)
            if not diff.size or diff.max() <= nondet_tol:
                largest = max(largest, float(diff.max(initial=0.0)))
                continue
            i = int(np.argmax(diff))
            index = np.unravel_index(i, self._shape_of(label, first, labels))
            where = label + (f"[{', '.join(map(str, index))}]" if len(index) else "")
            raise NotDeterministic(
                f"{what} is not deterministic: two calls at the same inputs differ at {where} by {diff[i]:.3g} "
                f"({_scalar(a[i])} then {_scalar(b[i])}): seed the randomness inside fn, put a model in inference mode "
                f"(.eval(), training=False), or pass nondet_tol={diff[i]:.2g} (or more) to accept differences that "
                f"size")
        return largest

    @staticmethod
    def _shape_of(label: str, arrays: Sequence[Any], labels: Sequence[str]) -> tuple[int, ...]:
        return np.shape(arrays[list(labels).index(label)])

    def path(self, key: str, index: str = "") -> str:
        """A comparison key (and an entry's index) as the user's path: ``args['w'][2, 3]``,
        ``output[1][0, 4] (imaginary part)``."""
        base, _, part = key.rpartition(".") if key.endswith((".re", ".im")) else (key, "", "")
        by_name = {leaf.name: leaf.path for leaf in self.sources}
        return by_name.get(base, base) + index + {"re": " (real part)", "im": " (imaginary part)", "": ""}[part]


def _scalar(z: complex) -> str:
    return f"{z.real:.6g}" if z.imag == 0 else f"{z:.6g}"


def _fails_in_float64(exc: Exception) -> GradcheckError:
    return GradcheckError(f"fn fails with float64 inputs ({type(exc).__name__}: {first_line(exc)}); the reference "
                          f"evaluates fn in float64: let fn follow its inputs' dtype (no hard-coded float32)")


def _refuse_non_tensor(path: str, leaf: Any, framework: str) -> None:
    """Raise for a floating output leaf that is not a framework tensor: no derivative can flow through it."""
    if isinstance(leaf, (bool, int, str)) or leaf is None:
        return  # not a value to differentiate: left unchecked, as an integer tensor is
    if isinstance(leaf, (float, complex)):
        raise GradcheckError(f"{path} is a Python {type(leaf).__name__}, not a {framework} tensor: fn took the value "
                             f"out of {framework} (.item(), float()), so no derivative flows through it: return the "
                             f"tensor itself")
    if isinstance(leaf, (np.ndarray, np.generic)):
        if kind_of(np.asarray(leaf).dtype) is None:
            return
        raise GradcheckError(f"{path} is a NumPy array, not a {framework} tensor: fn computed it with NumPy (or "
                             f".numpy()), so no derivative flows through it: compute it with {framework} operations")
    if type(leaf).__module__.split(".")[0] in MODULES:
        raise GradcheckError(f"{path} is a {type(leaf).__module__.split('.')[0]} tensor, but the check is for "
                             f"{framework}: write fn with {framework} operations, or pass framework= to match")


def _parse_args(args: Any, path_of: Callable[[tuple], str]) -> list[Leaf]:
    parsed = []
    for i, (key, leaf) in enumerate(zip(trees.keys(args), trees.leaves(args))):
        path = path_of(key)
        if type(leaf).__module__.split(".")[0] in MODULES:
            raise GradcheckError(f"{path} is a {type(leaf).__module__.split('.')[0]} tensor: pass NumPy arrays "
                                 f"(e.g. x.detach().cpu().numpy(), np.asarray(x)); gradcheck makes the tensors")
        if isinstance(leaf, (np.ndarray, np.generic)):
            array = np.asarray(leaf)
            if kind_of(array.dtype):
                parsed.append(Leaf(path, f"s{i}", array, True))
            elif array.dtype.kind in "biu":
                parsed.append(Leaf(path, f"c{i}", array, False))
            else:
                raise GradcheckError(f"{path} has dtype {array.dtype}, which no framework differentiates: pass a "
                                     f"float, complex, integer or bool array")
        else:
            parsed.append(Leaf(path, None, leaf, False))
    return parsed
