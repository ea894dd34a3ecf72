"""The book's one training loop: ``fit(method, dataset, ...)``.

The method contract (a method is an ``nn.Module``; it never loops over batches itself)::

    class MyMethod(nn.Module):
        def training_step(self, batch) -> tuple[Tensor, dict[str, float]]:
            # batch: the collated dataset items, already on the device (dict of tensors, B first)
            # return the scalar loss (not yet backpropagated) and a dict of extra values to log
        def after_optimizer_step(self, step: int) -> None:          # optional, e.g. EMA / momentum update;
            ...                                                     # step = optimizer steps done so far

A method with several optimisers (teacher-student, MPL) receives ``optimizers`` as a dict and a second
argument ``optimize``; it calls ``optimize(name, loss)`` once per optimiser, in the order it needs
(e.g. student step, then compute the teacher's loss with the updated student, then teacher step)::

        def training_step(self, batch, optimize) -> tuple[Tensor, dict[str, float]]:
            loss_s = ...;  optimize("student", loss_s)
            loss_t = ...;  optimize("teacher", loss_t)
            return loss_s + loss_t, {"loss_s": loss_s.item(), "loss_t": loss_t.item()}

``optimize`` is the engine's step (:meth:`_Stepper.__call__`): non-finite loss check, zero_grad, backward,
gradient all-reduce (DDP), clip, non-finite gradient-norm check (before the step, so a NaN gradient never
reaches the weights), optimizer step, scheduler step. Each optimiser is stepped exactly once
per training step (an error otherwise). ``optimize(name, loss, retain_graph=True)`` keeps the graph.

Public API::

    result = fit(method, dataset, optimizers=opt, batch_size=64, epochs=10,          # or max_steps=...
                 schedulers=warmup_cosine(opt, 100, total), device="auto", seed=0,
                 grad_clip=1.0, checkpoint_dir="runs/x", checkpoint_every=500, resume=True)
    result.history      # [{"step", "epoch", "lr", "loss", <logs>...}], means over log_every steps
    result.throughput   # [{"step", "images_per_s"}] of this call's logging windows (wall clock: not in history,
                        # which is bit-identical after a resume)
    result.step, result.epoch, result.seconds, result.data_seconds, result.samples_per_s, result.checkpoint
    steps_per_epoch(n_items, batch_size, drop_last=True, world_size=1)

What the engine owns: data order (:class:`~fer_lib.engine.distributed.ShardedSampler`, seeded per
epoch; or your ``sampler`` whose order depends only on ``set_epoch``), ``dataset.set_epoch(epoch)`` when
the dataset has it (tuples re-drawn each epoch), device moves (``channels_last`` for 4-D tensors), bf16
autocast on CUDA (none on CPU), backward, clip, schedules (stepped per optimizer step), NaN/inf stop
(:class:`NonFiniteLossError` naming step, epoch, batch and dataset indices of the batch whose loss, gradient
norm or updated weights were non-finite; the last good checkpoint is kept, and no checkpoint is ever written
with non-finite weights), checkpoints ``<checkpoint_dir>/last.pt`` (model, optimisers, schedulers, step, data position,
python/numpy/torch RNG states and every ``torch.Generator`` attribute of the method) and exact resume
(same dataset length, batch_size, seed and process count, all stored in the checkpoint and checked by
:func:`~fer_lib.engine.checkpoint.check_resume`; a *finished* run's checkpoint loads in any process count, so a chapter picks up rows
trained under torchrun; a checkpoint whose tensors fail their checksum is refused), data-parallel runs under torchrun
(:mod:`fer_lib.engine.distributed`), tqdm progress. ``after_optimizer_step()`` without argument is accepted.
``callbacks``: functions of :class:`StepInfo` called after every step (e.g. evaluate when ``epoch_end``).

Around it: :mod:`~fer_lib.engine.optim` (``param_groups``, ``layer_decay_groups``, ``warmup_cosine``),
:func:`fer_lib.engine.checkpoint.load_weights` (a pretrained encoder out of a method checkpoint),
:func:`fer_lib.engine.features.embed` (frozen features), :mod:`fer_lib.protocols.probes` (evaluation).
No GradScaler: bf16 has fp32's exponent range, so gradients need no loss scaling.
"""

from __future__ import annotations

import inspect
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader
from tqdm import tqdm

from fer_lib.engine import checkpoint as ckpt
from fer_lib.engine import distributed as ddp
from fer_lib.engine.loader import epoch_loader, to_device
from fer_lib.runtime import autocast, pick_device, seed_everything


class NonFiniteLossError(FloatingPointError):
    """A loss, gradient norm or weight was NaN/inf; attributes: step, epoch, batch_index, indices (the batch
    that produced it) and checkpoint (the last good checkpoint file, or None when none was kept)."""

    def __init__(self, message: str, *, step: int, epoch: int, batch_index: int, indices: list,
                 checkpoint: Path | None = None):
        super().__init__(message)
        self.step, self.epoch, self.batch_index, self.indices = step, epoch, batch_index, indices
        self.checkpoint = checkpoint


def global_norm(tensors: list[torch.Tensor]) -> float:
    """L2 norm over all ``tensors`` (floating ones), averaged over processes: NaN/inf if any entry is."""
    tensors = [t.detach() for t in tensors if t is not None and t.is_floating_point()]
    return float(ddp.all_reduce_mean(torch.nn.utils.get_total_norm(tensors).float())) if tensors else 0.0


@dataclass
class StepInfo:
    """What a callback sees after each optimizer step (``step`` = steps done so far)."""

    step: int
    epoch: int
    batch_index: int
    epoch_end: bool
    logs: dict[str, float]


@dataclass
class FitResult:
    history: list[dict] = field(default_factory=list)
    step: int = 0
    epoch: int = 0
    seconds: float = 0.0            # wall time of this call's steps
    data_seconds: float = 0.0       # of which waiting for the loader + device copy (the data path's cost)
    samples_per_s: float = 0.0      # global samples per second over this call (full pipeline)
    throughput: list[dict] = field(default_factory=list)  # [{"step", "images_per_s"}] per logging window
    checkpoint: Path | None = None


def steps_per_epoch(n_items: int, batch_size: int, drop_last: bool = True, world_size: int = 1) -> int:
    """Optimizer steps in one epoch of ``n_items`` with per-process ``batch_size`` on ``world_size`` processes."""
    per_rank = n_items // world_size if drop_last else -(-n_items // world_size)
    return per_rank // batch_size if drop_last else -(-per_rank // batch_size)


class _Stepper:
    """``optimize(name, loss)``: the engine's backward + step for one optimiser (see module docstring)."""

    def __init__(self, optimizers: dict, schedulers: dict, grad_clip: float | None, checkpoint: Path | None):
        # None or <= 0: no clipping (clip_grad_norm_(params, 0) would zero every gradient)
        self.optimizers, self.schedulers = optimizers, schedulers
        self.grad_clip = grad_clip if grad_clip is not None and grad_clip > 0 else None
        self.checkpoint = checkpoint        # where checkpoints go (None: checkpointing off)
        self.saved_step: int | None = None  # step of the last checkpoint written (or resumed from) there
        self.params = {n: [p for g in o.param_groups for p in g["params"]] for n, o in optimizers.items()}
        self.where: dict = {}
        self.done: list[str] = []

    def begin(self, **where) -> None:
        self.where, self.done = where, []

    def fail(self, what: str) -> None:
        w = self.where
        if self.checkpoint is None:
            kept, path = "no checkpoint was kept (checkpointing is off: fit(checkpoint_dir=...))", None
        elif self.saved_step is None:
            kept, path = f"no checkpoint was kept (none written yet to {self.checkpoint})", None
        else:
            kept, path = f"last good checkpoint kept: {self.checkpoint} (step {self.saved_step})", self.checkpoint
        raise NonFiniteLossError(
            f"non-finite {what} at step {w['step']} (epoch {w['epoch']}, batch {w['batch_index']} of the epoch, "
            f"dataset indices {w['indices'][:8]}{'...' if len(w['indices']) > 8 else ''}); run stopped, {kept}",
            step=w["step"], epoch=w["epoch"], batch_index=w["batch_index"], indices=w["indices"], checkpoint=path)

    def check_weights(self, module: nn.Module, what: str) -> None:
        """Raise (naming the current batch) if any floating parameter or buffer of ``module`` is NaN/inf."""
        if not np.isfinite(global_norm([*module.parameters(), *module.buffers()])):
            bad = [n for n, t in module.state_dict().items()
                   if isinstance(t, torch.Tensor) and t.is_floating_point() and not torch.isfinite(t).all()]
            self.fail(f"{what} ({len(bad)} tensor(s): {bad[:3]})")

    def check(self, loss: torch.Tensor, what: str = "loss") -> float:
        """Global (all-process mean) value of ``loss``; raises on NaN/inf in any process."""
        value = float(ddp.all_reduce_mean(loss.detach().float()))
        if not np.isfinite(value):
            self.fail(what)
        return value

    def __call__(self, name: str, loss: torch.Tensor, retain_graph: bool = False) -> float:
        if name not in self.optimizers:
            raise KeyError(f"optimize({name!r}): no such optimizer; fit() was given {list(self.optimizers)}")
        if name in self.done:
            raise RuntimeError(f"optimizer {name!r} stepped twice in one training_step (step {self.where['step']})")
        value = self.check(loss, f"loss {name!r}")
        optimizer, params = self.optimizers[name], self.params[name]
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(loss.device.type, enabled=False):
            loss.backward(retain_graph=retain_graph)          # the backward pass
        ddp.all_reduce_grads(params)                           # average over processes (no-op on one)
        if self.grad_clip is not None:  # clip returns the norm before clipping
            norm = float(torch.nn.utils.clip_grad_norm_(params, self.grad_clip))
        else:
            norm = global_norm([p.grad for p in params])
        if not np.isfinite(norm):  # checked before the step touches the weights
            self.fail(f"gradient norm of {name!r} (finite loss {value:.4g})")
        optimizer.step()
        if name in self.schedulers:
            self.schedulers[name].step()
        self.done.append(name)
        return value


def _as_dict(obj) -> dict:
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return dict(obj)
    return {"main": obj}


def fit(method: nn.Module, dataset, *, optimizers, batch_size: int, epochs: int | None = None,
        max_steps: int | None = None, schedulers=None, device: str | torch.device = "auto", seed: int = 0,
        grad_clip: float | None = None, checkpoint_dir: str | Path | None = None, checkpoint_every: int = 0,
        resume: bool | str | Path = False, config: dict | None = None, log_every: int = 10,
        sampler=None, shuffle: bool = True, drop_last: bool = True, num_workers: int = 0,
        collate_fn: Callable | None = None, channels_last: bool = False, amp: bool = True,
        callbacks: Sequence[Callable[[StepInfo], None]] = (), progress: bool = True,
        desc: str = "train", images_per_item: int = 1) -> FitResult:
    """Train ``method`` on ``dataset`` for ``epochs`` (or until ``max_steps`` optimizer steps, if earlier).

    optimizers: one ``torch.optim.Optimizer`` (method gets ``training_step(batch)``) or a dict name ->
        optimizer with two or more entries (method gets ``training_step(batch, optimize)``).
    schedulers: one scheduler / dict name -> scheduler, stepped after each step of its optimizer.
    batch_size: per process. seed: data order, python/numpy/torch RNGs (offset by rank under DDP).
    grad_clip: clip the global gradient norm of each optimiser's parameters to this value; None or <= 0 = off
        (0 means "no clipping", never "clip to norm 0", which would zero every gradient).
    epochs, max_steps: positive when given (0 would train nothing and still save and return a "trained" model).
    checkpoint_every: save ``last.pt`` every that many steps (0: only at the end); needs checkpoint_dir.
    resume: True = continue from ``<checkpoint_dir>/last.pt`` if it exists; a path = from that file.
    config: JSON-able dict stored in (and checked against) the checkpoint.
    sampler: yields dataset keys; its order must depend only on ``set_epoch(e)`` for exact resume.
    progress, desc: a tqdm bar named ``desc`` (step, loss, images/s, ETA). images_per_item: images in one
        dataset item (2 for a pair of views), for the throughput in the bar and in ``throughput``
        (images per second of each logging window, all processes together).
    """
    device = pick_device(device) if isinstance(device, str) else device
    if isinstance(dataset, DataLoader):
        raise TypeError("fit takes the dataset, not a DataLoader: it builds the loader itself (seeded per epoch, "
                        "sharded under DDP, resumable mid-epoch); pass batch_size/sampler/num_workers/collate_fn")
    if epochs is None and max_steps is None:
        raise ValueError("fit needs epochs or max_steps")
    for name, value in (("epochs", epochs), ("max_steps", max_steps), ("batch_size", batch_size),
                        ("log_every", log_every), ("images_per_item", images_per_item)):
        if value is not None and value < 1:
            raise ValueError(f"fit: {name} must be >= 1, got {value}")
    if checkpoint_every < 0:
        raise ValueError(f"fit: checkpoint_every must be >= 0 (0: only at the end), got {checkpoint_every}")
    if grad_clip is not None and grad_clip != grad_clip:
        raise ValueError("fit: grad_clip is NaN (None or <= 0 turns clipping off)")
    opts, scheds = _as_dict(optimizers), _as_dict(schedulers)
    if not opts or set(scheds) - set(opts):
        raise ValueError(f"schedulers {list(scheds)} must name optimizers {list(opts)}")
    multi = len(opts) > 1
    rank, world = ddp.get_rank(), ddp.get_world_size()
    seed_everything(seed + 7919 * rank)
    method.to(device)
    if channels_last:
        method.to(memory_format=torch.channels_last)
    ddp.broadcast_parameters(method)
    method.train()
    sampler = sampler or ddp.ShardedSampler(len(dataset), shuffle=shuffle, seed=seed, rank=rank,
                                            world_size=world, drop_last=drop_last)
    spe = len(sampler) // batch_size if drop_last else -(-len(sampler) // batch_size)
    if spe == 0:
        raise ValueError(f"{len(sampler)} items per process give no batch of {batch_size} (drop_last={drop_last})")
    total = min(x for x in (max_steps, None if epochs is None else epochs * spe) if x is not None)
    ckpt_path = Path(checkpoint_dir) / "last.pt" if checkpoint_dir is not None else None
    if checkpoint_every and ckpt_path is None:
        raise ValueError("checkpoint_every needs checkpoint_dir")
    hook = getattr(method, "after_optimizer_step", None)
    hook_takes_step = hook is not None and len(inspect.signature(hook).parameters) >= 1

    state = {"step": 0, "epoch": 0, "batch_in_epoch": 0, "history": [], "window": {}, "count": 0}
    resume_from = ckpt_path if resume is True else (Path(resume) if resume else None)
    if resume_from is not None and resume is not True and not resume_from.is_file():
        raise FileNotFoundError(f"resume={str(resume)!r}: no such checkpoint file")
    if resume_from is not None and resume_from.is_file():
        # a finished run (e.g. trained under torchrun) loads in any process count: no data position is needed
        payload = ckpt.load_checkpoint(resume_from, method, config=config, check_trainer=lambda saved: ckpt.check_resume(
            resume_from, saved, seed=seed, batch_size=batch_size, dataset_length=len(dataset), world_size=world,
            sampler_length=len(sampler), finished=saved.get("step", 0) >= total))
        t = payload["trainer"]
        for name, opt in opts.items():
            opt.load_state_dict(t["optimizers"][name])
        for name, sch in scheds.items():
            sch.load_state_dict(t["schedulers"][name])
        for name, gen in ckpt.generators_of(method).items():
            gen.set_state(t["generators"][name])
        ckpt.set_rng_state(t["rng"][str(rank)] if str(rank) in t["rng"] else t["rng"]["0"], device)
        state.update({k: t[k] for k in ("step", "epoch", "batch_in_epoch", "history", "window", "count")})
    stepper = _Stepper(opts, scheds, grad_clip, ckpt_path)
    if resume_from is not None and resume_from == ckpt_path and ckpt_path.is_file():
        stepper.saved_step = state["step"]

    def save() -> Path | None:
        if ckpt_path is None:
            return None
        stepper.check_weights(method, "weights before saving")  # a checkpoint never holds NaN/inf weights
        rngs = [ckpt.rng_state(device)]
        if world > 1:  # every process's RNG state goes into rank 0's file
            gathered = [None] * world
            torch.distributed.all_gather_object(gathered, rngs[0])
            rngs = gathered
        if rank == 0:
            trainer = {**state, "world_size": world, "seed": seed, "batch_size": batch_size,
                       "dataset_length": len(dataset), "sampler_length": len(sampler),
                       "optimizers": {n: o.state_dict() for n, o in opts.items()},
                       "schedulers": {n: s.state_dict() for n, s in scheds.items()},
                       "generators": {n: g.get_state() for n, g in ckpt.generators_of(method).items()},
                       "rng": {str(r): s for r, s in enumerate(rngs)}}
            ckpt.save_checkpoint(ckpt_path, method, config=config, trainer=trainer)
        ddp.barrier()
        stepper.saved_step = state["step"]
        return ckpt_path

    # throughput of the current logging window (wall time, not resumed: a resumed window restarts the clock)
    window, throughput = {"samples": 0, "t0": time.perf_counter()}, []

    def images_per_s() -> float:
        seconds = time.perf_counter() - window["t0"]
        return window["samples"] * images_per_item / seconds if seconds > 0 else 0.0

    def record() -> None:
        count = state["count"]
        entry = {"step": state["step"], "epoch": state["epoch"]}
        for name, opt in opts.items():
            entry["lr" if not multi else f"lr/{name}"] = max(g["lr"] for g in opt.param_groups)
        entry.update({k: v / count for k, v in state["window"].items()})
        state["history"].append(entry)
        throughput.append({"step": state["step"], "images_per_s": images_per_s()})
        state["window"], state["count"] = {}, 0
        window.update(samples=0, t0=time.perf_counter())

    start_step, samples, data_seconds = state["step"], 0, 0.0
    t0 = t_fetch = time.perf_counter()
    # plain-text bar (no widget: ipywidgets is not installed); when stderr is captured (a notebook run by
    # papermill stores every update) it redraws at most every 15 s and every tenth of the run: <= ~12 lines
    tty = sys.stderr.isatty()
    bar = tqdm(total=total, initial=start_step, desc=desc, disable=not progress or rank != 0, dynamic_ncols=True,
               unit="step", mininterval=0.5 if tty else 15.0,
               miniters=None if tty else max(1, (total - start_step) // 10))
    while state["step"] < total:
        epoch = state["epoch"]
        for obj in (sampler, dataset):
            if hasattr(obj, "set_epoch"):
                obj.set_epoch(epoch)
        keys = list(iter(sampler))  # this process's dataset keys for the epoch, in order
        loader = epoch_loader(dataset, keys, batch_size=batch_size, drop_last=drop_last,
                              start_batch=state["batch_in_epoch"], seed=seed, epoch=epoch, num_workers=num_workers,
                              collate_fn=collate_fn, pin_memory=device.type == "cuda")
        for batch in loader:
            i = state["batch_in_epoch"]
            stepper.begin(step=state["step"], epoch=epoch, batch_index=i,
                          indices=keys[i * batch_size:(i + 1) * batch_size])
            batch = to_device(batch, device, channels_last)
            data_seconds += time.perf_counter() - t_fetch
            samples += len(stepper.where["indices"]) * world
            window["samples"] += len(stepper.where["indices"]) * world
            if multi:
                with autocast(device, amp):
                    loss, logs = method.training_step(batch, stepper)
                missing = [n for n in opts if n not in stepper.done]
                if missing:
                    raise RuntimeError(f"training_step did not call optimize() for {missing} at step {state['step']}")
                loss_value = stepper.check(loss)
            else:
                with autocast(device, amp):
                    loss, logs = method.training_step(batch)
                loss_value = stepper("main" if "main" in opts else next(iter(opts)), loss)  # backward + step
            if hook is not None and hook_takes_step:
                hook(state["step"] + 1)                      # e.g. EMA / momentum-encoder update
            elif hook is not None:
                hook()
            stepper.check_weights(method, "weights after the step")  # e.g. an inf lr, or a hook's update
            state["step"] += 1
            state["batch_in_epoch"] += 1
            epoch_end = state["batch_in_epoch"] == spe
            if epoch_end:
                state["epoch"], state["batch_in_epoch"] = epoch + 1, 0
            values = {"loss": loss_value, **{k: float(v.detach()) if isinstance(v, torch.Tensor) else float(v)
                                             for k, v in (logs or {}).items()}}
            for k, v in values.items():
                state["window"][k] = state["window"].get(k, 0.0) + v
            state["count"] += 1
            if state["step"] % log_every == 0 or state["step"] == total:
                shown = {k: f"{v:.4g}" for k, v in list(values.items())[:3]}
                bar.set_postfix({**shown, "img/s": f"{images_per_s():.0f}"}, refresh=False)
                record()
            bar.update(1)
            for callback in callbacks:
                callback(StepInfo(state["step"], epoch, i, epoch_end, values))
            if checkpoint_every and state["step"] % checkpoint_every == 0 and state["step"] < total:
                save()
            if state["step"] >= total:
                break
            t_fetch = time.perf_counter()
    bar.close()
    seconds = time.perf_counter() - t0
    if state["step"] > start_step:
        path = save()
    else:  # nothing trained: a finished checkpoint stays as written; name the file that holds these weights
        path = ckpt_path if ckpt_path is not None and ckpt_path.is_file() else resume_from
    return FitResult(history=state["history"], step=state["step"], epoch=state["epoch"], seconds=seconds,
                     data_seconds=data_seconds, samples_per_s=samples / seconds if seconds > 0 else 0.0,
                     throughput=throughput, checkpoint=path)
