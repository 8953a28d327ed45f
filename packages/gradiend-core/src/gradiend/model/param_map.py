"""ParamMap: which base-model parameters feed GRADIEND and how they flatten into one vector.

The flat vector is the concatenation, in the order of :attr:`ParamMap.names`, of each parameter's
kept entries in row-major (``view(-1)``) order. Without pruning every entry is kept; after pruning a
parameter keeps the ascending flat indices in :attr:`ParamMap.indices` (a parameter absent from that
dict keeps all its entries, a parameter with no kept entry is dropped from the map).
"""

from __future__ import annotations

import difflib
import fnmatch
import logging
import math
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import torch
from torch import nn

logger = logging.getLogger(__name__)

INDEX_KEY_PREFIX = "param_map.indices/"
"""Prefix of the index tensors :meth:`ParamMap.index_tensors` returns (one per pruned parameter)."""

_INT32_MAX = 2**31 - 1


def normalize_keep(keep: torch.Tensor | Sequence[int], size: int, name: str = "keep") -> torch.Tensor:
    """Validate positions of a flat vector of length ``size``; returns them sorted, as int64 on the CPU.

    ``keep`` is a 1-D integer tensor/sequence of unique positions in [0, size), or a boolean mask of
    length ``size``. It must keep at least one position.
    """
    index = torch.as_tensor(keep).detach().cpu()
    if index.dtype == torch.bool:
        if index.shape != (size,):
            raise ValueError(f"{name} as a boolean mask must have shape ({size},), got {tuple(index.shape)}")
        index = index.nonzero().view(-1)
    if index.dim() != 1 or index.dtype.is_floating_point or index.dtype.is_complex:
        raise ValueError(
            f"{name} must be a 1-D integer tensor of positions, got {index.dtype} {tuple(index.shape)}"
        )
    if index.numel() == 0:
        raise ValueError(f"{name} must keep at least one position, got none")
    index = index.long()
    low, high = int(index.min()), int(index.max())
    if low < 0 or high >= size:
        raise ValueError(f"{name} must lie in [0, {size}), got positions from {low} to {high}")
    unique = torch.unique(index, sorted=True)
    if unique.numel() != index.numel():
        raise ValueError(f"{name} must not repeat a position ({index.numel() - unique.numel()} repeats)")
    return unique


def _close_matches(name: str, candidates: Sequence[str]) -> str:
    matches = difflib.get_close_matches(name, list(candidates), n=4, cutoff=0.5)
    if matches:
        return f"close matches: {matches}"
    return f"the model has {len(candidates)} parameters, e.g. {list(candidates)[:4]}"


class ParamMap:
    """Ordered base-model parameters (and kept entries) that make up the GRADIEND input vector.

    Args:
        names: parameter names as in ``model.named_parameters()``, unique, in flattening order.
        shapes: the full shape of each parameter.
        indices: for pruned parameters, their kept flat indices (1-D, ascending, unique, non-empty).
    """

    def __init__(
        self,
        names: Sequence[str],
        shapes: Sequence[Sequence[int]],
        indices: Mapping[str, torch.Tensor] | None = None,
    ) -> None:
        if isinstance(names, str) or len(names) != len(shapes):
            raise ValueError(
                f"names and shapes must be sequences of equal length, got {names!r} and {shapes!r}"
            )
        if not names:
            raise ValueError("a ParamMap needs at least one parameter name")
        if len(set(names)) != len(names):
            raise ValueError(f"names must be unique, got {list(names)}")
        self._names: tuple[str, ...] = tuple(names)
        self._shapes: tuple[torch.Size, ...] = tuple(torch.Size([int(d) for d in s]) for s in shapes)
        self._indices = self._checked_indices(indices or {})
        sizes = [
            int(self._indices[n].numel()) if n in self._indices else math.prod(s)
            for n, s in zip(self._names, self._shapes, strict=True)
        ]
        offsets = [0]
        for count in sizes:
            offsets.append(offsets[-1] + count)
        self._sizes: tuple[int, ...] = tuple(sizes)
        self._offsets: tuple[int, ...] = tuple(offsets)
        self._device_indices: dict[tuple[str, torch.device], torch.Tensor] = {}

    def _checked_indices(self, indices: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        unknown = sorted(set(indices) - set(self._names))
        if unknown:
            raise ValueError(f"indices name parameters that are not in names: {unknown}")
        checked: dict[str, torch.Tensor] = {}
        for name, shape in zip(self._names, self._shapes, strict=True):
            if name not in indices:
                continue
            numel = math.prod(shape)
            index = torch.as_tensor(indices[name]).detach().cpu()
            if (
                index.dim() != 1
                or index.dtype.is_floating_point
                or index.dtype == torch.bool
                or index.numel() == 0
            ):
                raise ValueError(f"indices[{name!r}] must be a non-empty 1-D integer tensor")
            index = index.long()
            if index.numel() > 1 and not bool((index[1:] > index[:-1]).all()):
                raise ValueError(f"indices[{name!r}] must be strictly ascending")
            if int(index[0]) < 0 or int(index[-1]) >= numel:
                raise ValueError(f"indices[{name!r}] must lie in [0, {numel}) for shape {list(shape)}")
            if index.numel() < numel:
                checked[name] = index
        return checked

    # --- construction --------------------------------------------------------------------------------

    @classmethod
    def from_model(cls, model: nn.Module, names: Sequence[str]) -> ParamMap:
        """A map of the parameters ``names`` of ``model`` (all entries kept).

        Every name must exist (tied aliases included) and be a floating-point parameter. Names that
        resolve to the same tensor (tied weights) are counted once: the first one is kept.
        """
        if isinstance(names, str) or len(names) == 0:
            raise ValueError(f"names must be a non-empty list of parameter names, got {names!r}")
        named = dict(model.named_parameters(remove_duplicate=False))
        missing = [name for name in names if name not in named]
        if missing:
            hints = "; ".join(f"{m!r}: {_close_matches(m, list(named))}" for m in missing[:3])
            raise ValueError(
                f"the model has no parameter named {missing[:3]} ({len(missing)} missing); {hints}"
            )
        kept: list[str] = []
        seen: dict[int, str] = {}
        for name in names:
            param = named[name]
            if not (param.is_floating_point() or param.is_complex()):
                raise ValueError(f"parameter {name!r} has dtype {param.dtype}: it cannot have a gradient")
            first = seen.get(id(param))
            if first is not None:
                if first != name:
                    logger.info("parameter %r is tied to %r: counted once", name, first)
                continue
            seen[id(param)] = name
            kept.append(name)
        return cls(kept, [named[name].shape for name in kept])

    @classmethod
    def from_patterns(
        cls,
        model: nn.Module,
        patterns: Sequence[str] | None,
        default_names: Sequence[str] | None = None,
    ) -> ParamMap:
        """A map of the parameters whose names match any fnmatch wildcard in ``patterns``.

        Patterns are matched case-sensitively against every parameter name (tied aliases included),
        e.g. ``"bert.encoder.layer.*.attention.*"``; the result keeps the model's parameter order.
        Without patterns (``None`` or empty) the map holds ``default_names``. A pattern that matches
        nothing raises a ValueError naming it.
        """
        if not patterns:
            if default_names is None:
                raise ValueError("give parameter patterns or default_names; got neither")
            return cls.from_model(model, default_names)
        pattern_list = [patterns] if isinstance(patterns, str) else list(patterns)
        all_names = [name for name, _ in model.named_parameters(remove_duplicate=False)]
        for pattern in pattern_list:
            if not fnmatch.filter(all_names, pattern):
                raise ValueError(
                    f"parameter pattern {pattern!r} matches no parameter; "
                    f"{_close_matches(pattern, all_names)}"
                )
        selected = [name for name in all_names if any(fnmatch.fnmatchcase(name, p) for p in pattern_list)]
        return cls.from_model(model, selected)

    # --- properties ----------------------------------------------------------------------------------

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names in flattening order."""
        return self._names

    @property
    def shapes(self) -> tuple[torch.Size, ...]:
        """Full shape of each parameter."""
        return self._shapes

    @property
    def indices(self) -> Mapping[str, torch.Tensor]:
        """Kept flat indices (int64, CPU) of the pruned parameters; unpruned ones are absent."""
        return MappingProxyType(self._indices)

    @property
    def is_pruned(self) -> bool:
        """Whether some parameter keeps only part of its entries."""
        return bool(self._indices)

    @property
    def size(self) -> int:
        """n, the length of the flat vector (total kept entries)."""
        return self._offsets[-1]

    @property
    def num_parameters(self) -> int:
        """Number of parameter tensors in the map."""
        return len(self._names)

    @property
    def full_size(self) -> int:
        """Total entries of the mapped parameters before pruning."""
        return sum(math.prod(shape) for shape in self._shapes)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Kept entries per parameter."""
        return self._sizes

    @property
    def offsets(self) -> tuple[int, ...]:
        """Segment boundaries: parameter i occupies ``[offsets[i], offsets[i + 1])`` (length names + 1)."""
        return self._offsets

    def __repr__(self) -> str:
        shown = ", ".join(repr(n) for n in self._names[:3]) + (", ..." if len(self._names) > 3 else "")
        return (
            f"ParamMap(size={self.size}, num_parameters={self.num_parameters}, "
            f"pruned={len(self._indices)}, names=[{shown}])"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParamMap):
            return NotImplemented
        if (self._names, self._shapes) != (other._names, other._shapes) or set(self._indices) != set(
            other._indices
        ):
            return False
        return all(torch.equal(self._indices[n], other._indices[n]) for n in self._indices)

    __hash__ = None  # type: ignore[assignment]  # mutable-looking value object, compared by content

    # --- resolving parameters ------------------------------------------------------------------------

    def parameters(self, model: nn.Module) -> list[nn.Parameter]:
        """The mapped parameters of ``model`` in order; a missing name or changed shape raises ValueError."""
        named = dict(model.named_parameters(remove_duplicate=False))
        params = []
        for name, shape in zip(self._names, self._shapes, strict=True):
            param = named.get(name)
            if param is None:
                raise ValueError(
                    f"the model has no parameter {name!r} of this ParamMap; "
                    f"{_close_matches(name, list(named))}"
                )
            if param.shape != shape:
                raise ValueError(
                    f"parameter {name!r} has shape {list(param.shape)}, the ParamMap expects {list(shape)}"
                )
            params.append(param)
        return params

    def _index_on(self, name: str, device: torch.device) -> torch.Tensor | None:
        index = self._indices.get(name)
        if index is None or device.type == "cpu":
            return index
        key = (name, device)
        cached = self._device_indices.get(key)
        if cached is None:
            cached = index.to(device)
            self._device_indices[key] = cached
        return cached

    # --- flat vectors ----------------------------------------------------------------------------------

    def _cat_into(self, grads: Sequence[torch.Tensor | None], out: torch.Tensor) -> bool:
        """Flatten with one ``torch.cat`` into ``out``; False (nothing written) when that does not apply.

        Applies when nothing is pruned and every gradient is present with ``out``'s dtype and device
        (the common case: one kernel call instead of one per parameter).
        """
        if self._indices:
            return False
        flats = []
        for i, grad in enumerate(grads):
            if grad is None or grad.dtype != out.dtype or grad.device != out.device:
                return False
            if grad.numel() != self._offsets[i + 1] - self._offsets[i]:
                return False  # the per-parameter path names the parameter in its error
            flats.append(grad.detach().reshape(-1))
        torch.cat(flats, out=out)
        return True

    def flatten(
        self,
        grads: Sequence[torch.Tensor | None],
        out: torch.Tensor | None = None,
        device: torch.device | str | None = None,
    ) -> torch.Tensor:
        """Concatenate per-parameter gradients (full shapes, in :attr:`names` order) into one vector [n].

        Pruned parameters contribute only their kept entries; a ``None`` gradient contributes zeros.
        With ``out`` (a preallocated 1-D tensor of length n) the result is written into it without an
        intermediate concatenation, whatever the gradients' devices; otherwise a float32 vector is
        allocated on ``device`` (default: the first gradient's device).
        """
        if len(grads) != len(self._names):
            raise ValueError(
                f"grads must hold {len(self._names)} tensors (one per parameter), got {len(grads)}"
            )
        if out is None:
            first = next((g.device for g in grads if g is not None), torch.device("cpu"))
            out = torch.empty(self.size, dtype=torch.float32, device=device if device is not None else first)
        elif out.shape != (self.size,):
            raise ValueError(f"out must have shape ({self.size},), got {tuple(out.shape)}")
        if self._cat_into(grads, out):
            return out
        for i, grad in enumerate(grads):
            segment = out[self._offsets[i] : self._offsets[i + 1]]
            if grad is None:
                segment.zero_()
                continue
            if grad.numel() != math.prod(self._shapes[i]):
                raise ValueError(
                    f"gradient of {self._names[i]!r} has {grad.numel()} entries, "
                    f"expected shape {list(self._shapes[i])}"
                )
            flat = grad.detach().reshape(-1)
            index = self._index_on(self._names[i], flat.device)
            if index is None:
                segment.copy_(flat)
            elif flat.dtype == segment.dtype and flat.device == segment.device:
                torch.index_select(flat, 0, index, out=segment)
            else:
                segment.copy_(flat.index_select(0, index))
        return out

    def gather_grads(self, model: nn.Module, out: torch.Tensor | None = None) -> torch.Tensor:
        """:meth:`flatten` of the ``.grad`` of the mapped parameters of ``model`` (``None`` -> zeros)."""
        return self.flatten([p.grad for p in self.parameters(model)], out=out)

    def apply_delta_(self, model: nn.Module, delta: torch.Tensor, scale: float) -> None:
        """In place: each mapped parameter's kept entries += ``scale`` * its segment of ``delta`` [n].

        The update is computed in at least float32 on the parameter's device, then cast to its dtype.
        """
        if delta.shape != (self.size,):
            raise ValueError(f"delta must have shape ({self.size},), got {tuple(delta.shape)}")
        with torch.no_grad():
            for i, param in enumerate(self.parameters(model)):
                flat = _flat_view(param, self._names[i])
                compute = torch.promote_types(param.dtype, torch.float32)
                segment = delta[self._offsets[i] : self._offsets[i + 1]].to(
                    device=param.device, dtype=compute
                )
                update = (segment * scale).to(param.dtype)
                index = self._index_on(self._names[i], param.device)
                if index is None:
                    flat.add_(update)
                else:
                    flat.index_add_(0, index, update)

    def snapshot(self, model: nn.Module) -> list[torch.Tensor]:
        """Copies of the kept entries of each mapped parameter (1-D, on the parameter's device)."""
        copies = []
        with torch.no_grad():
            for name, param in zip(self._names, self.parameters(model), strict=True):
                flat = param.detach().reshape(-1)
                index = self._index_on(name, param.device)
                copies.append(flat.clone() if index is None else flat.index_select(0, index))
        return copies

    def restore_(self, model: nn.Module, snapshot: Sequence[torch.Tensor]) -> None:
        """Write a :meth:`snapshot` back into ``model`` exactly."""
        if len(snapshot) != len(self._names):
            raise ValueError(f"snapshot must hold {len(self._names)} tensors, got {len(snapshot)}")
        with torch.no_grad():
            for i, param in enumerate(self.parameters(model)):
                saved = snapshot[i].reshape(-1)
                if saved.numel() != self._sizes[i]:
                    raise ValueError(
                        f"snapshot of {self._names[i]!r} has {saved.numel()} entries, "
                        f"expected {self._sizes[i]}"
                    )
                flat = _flat_view(param, self._names[i])
                index = self._index_on(self._names[i], param.device)
                if index is None:
                    flat.copy_(saved)
                else:
                    flat.index_copy_(0, index, saved.to(device=flat.device, dtype=flat.dtype))

    # --- pruning -------------------------------------------------------------------------------------

    def select(self, keep: torch.Tensor | Sequence[int]) -> ParamMap:
        """A map keeping only the positions ``keep`` of the current flat vector (composes with pruning).

        ``keep`` is sorted first, so the result flattens to ``vector[sorted(keep)]``; parameters left
        with no entry are dropped.
        """
        positions = normalize_keep(keep, self.size)
        bounds = torch.searchsorted(positions, torch.tensor(self._offsets, dtype=torch.long))
        names, shapes, indices = [], [], {}
        for i, name in enumerate(self._names):
            local = positions[int(bounds[i]) : int(bounds[i + 1])] - self._offsets[i]
            if local.numel() == 0:
                continue
            old = self._indices.get(name)
            names.append(name)
            shapes.append(self._shapes[i])
            indices[name] = local if old is None else old[local]
        return ParamMap(names, shapes, indices)

    def positions_in(self, other: ParamMap) -> torch.Tensor:
        """Where each entry of this map's flat vector sits in ``other``'s flat vector.

        ``vector_of_other[self.positions_in(other)]`` is this map's vector; raises ValueError when this
        map is not a sub-selection of ``other`` (e.g. after post-pruning a pre-pruned map, both hold).
        """
        theirs = other.kept_flat_indices()
        their_offset = dict(zip(other.names, other.offsets[:-1], strict=True))
        parts = []
        for name, mine in self.kept_flat_indices().items():
            if name not in theirs:
                raise ValueError(f"parameter {name!r} is not in the other map")
            reference = theirs[name]
            found = torch.searchsorted(reference, mine)
            if bool((found >= reference.numel()).any()) or not torch.equal(
                reference[found.clamp(max=reference.numel() - 1)], mine
            ):
                raise ValueError(f"parameter {name!r} keeps entries the other map does not")
            parts.append(found + their_offset[name])
        return torch.cat(parts) if parts else torch.empty(0, dtype=torch.long)

    def kept_flat_indices(self) -> dict[str, torch.Tensor]:
        """Kept flat indices (int64, CPU) of every mapped parameter (``arange(numel)`` when unpruned)."""
        return {
            name: self._indices[name] if name in self._indices else torch.arange(math.prod(shape))
            for name, shape in zip(self._names, self._shapes, strict=True)
        }

    # --- serialisation -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description: names, shapes and the kept count of each pruned parameter.

        The indices themselves travel separately as tensors (:meth:`index_tensors`), stored in the
        checkpoint's ``model.safetensors``.
        """
        return {
            "names": list(self._names),
            "shapes": [list(shape) for shape in self._shapes],
            "kept": {name: int(index.numel()) for name, index in self._indices.items()},
        }

    def index_tensors(self) -> dict[str, torch.Tensor]:
        """``{"param_map.indices/<name>": kept indices}`` for pruned parameters (int32 when they fit)."""
        tensors = {}
        for name, index in self._indices.items():
            small = math.prod(self._shapes[self._names.index(name)]) <= _INT32_MAX
            tensors[INDEX_KEY_PREFIX + name] = index.int() if small else index
        return tensors

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], tensors: Mapping[str, torch.Tensor] | None = None
    ) -> ParamMap:
        """Rebuild a map from :meth:`to_dict` and, when pruned, the :meth:`index_tensors`."""
        missing = [key for key in ("names", "shapes") if key not in data]
        if missing:
            raise ValueError(f"a ParamMap dict needs the keys 'names' and 'shapes'; missing {missing}")
        kept: Mapping[str, int] = data.get("kept", {})
        tensors = tensors or {}
        indices = {}
        for name, count in kept.items():
            key = INDEX_KEY_PREFIX + name
            if key not in tensors:
                raise ValueError(f"the parameter map prunes {name!r} but no tensor {key!r} was given")
            if tensors[key].numel() != count:
                raise ValueError(f"{key!r} holds {tensors[key].numel()} indices, the map says {count}")
            indices[name] = tensors[key]
        return cls(data["names"], data["shapes"], indices)


def _flat_view(param: torch.Tensor, name: str) -> torch.Tensor:
    if not param.is_contiguous():
        raise ValueError(f"parameter {name!r} is not contiguous: it cannot be updated through a flat view")
    return param.view(-1)


__all__ = ["INDEX_KEY_PREFIX", "ParamMap", "normalize_keep"]
