"""Where MAE-DFER's trained models go: checkpoint folders keyed by what trained them, and predict checkpoints.

Both folders are named by :func:`.row_checkpoint.checkpoint_folder`:

- :func:`pretrain_dir`: ``<root>/pretrain_<encoder>[_motion]-seed<pre_seed>-<hash>``; the hash covers only
  what the pretraining depends on (:data:`PRETRAINING`, the pool it reads: :func:`pool_identity`) and the
  library's code. Evaluation keys, the label fraction, the fine-tuning keys and, when the pool is VoxCeleb2,
  the benchmark and its ``fold`` leave it unchanged: DFEW's five fold runs share one pretraining.
- :func:`finetune_dir`: ``<root>/<row>-seed<seed>-<hash>``; the hash covers the whole config except the keys
  that change only the evaluation or the bookkeeping (:data:`NOT_TRAINING`), the row and the code.
- :func:`save_finetuned`: a fine-tuned model as a ``fer-book predict --checkpoint`` file
  (:func:`fer_lib.predict.classifier.save_classifier`, architecture ``video_classifier``).
"""

from __future__ import annotations

from pathlib import Path

from fer_lib.experiments.mae_dfer import REAL_PATHS
from fer_lib.predict.classifier import save_classifier
from fer_lib.protocols.row_checkpoint import checkpoint_folder, row_checkpoint_dir, training_keys

#: Config keys a pretraining depends on (its pool aside): the encoders, the masks and targets, the schedule.
PRETRAINING = ("frames", "image_size", "stride", "tubelet", "patch", "dim", "depth", "heads", "region",
               "vit_dim", "vit_depth", "vit_heads", "mask_ratio", "mask_window", "motion_weight", "decoder_dim",
               "decoder_depth", "decoder_heads", "pre_pool", "pre_seed", "pre_lr", "pre_min_lr", "pre_batch",
               "pre_epochs", "pre_warmup_epochs", "multiscale", "weight_decay", "grad_clip")
#: Config keys that change only the evaluation or the bookkeeping, never a fine-tuning.
NOT_TRAINING = ("seeds", "key_seeds", "min_eval_per_class", "bootstrap", "probe_c", "test_temporal",
                "test_spatial", "cost_iters", "skip_corrupt", "checkpoint_every")

#: Config keys holding paths: hashed as resolved absolute paths (a torchrun command given a relative path and the
#: chapter given the absolute one find the same folder).
PATHS = {key for needs in REAL_PATHS.values() for key in needs}


def pool_identity(cfg) -> dict:
    """What names the clips a pretraining reads: the synthetic pool's sizes, a VoxCeleb2 list (shared by every
    benchmark and fold), or a user's training clips (``dataset`` own without ``voxceleb2_list``)."""
    if cfg.dataset == "synthetic":
        keys = (("pre_identities", "pre_clips_per_identity") if cfg.pre_pool == "vox"
                else ("n_identities", "clips_per_identity"))
        return {"synthetic": {k: getattr(cfg, k) for k in keys + ("clip_frames",)},
                "own_eval_split": cfg.eval_identities == 0}
    paths = training_keys(cfg, paths=PATHS)
    keys = (("voxceleb2_list", "voxceleb2_root") if cfg.voxceleb2_list
            else ("own_annotation", "own_root", "own_test_annotation", "own_test_fraction"))
    return {k: paths[k] for k in keys}


def trained_seconds(result) -> float:
    """Training seconds of a fit (0 when it loaded a finished checkpoint)."""
    return result.seconds if result.samples_per_s else 0.0


def pretrain_dir(root: str | Path, encoder: str, motion: bool, cfg) -> Path:
    """The checkpoint folder of the (encoder, motion) pretraining with ``cfg.pre_seed``."""
    keys = {k: getattr(cfg, k) for k in PRETRAINING}
    tag = encoder + ("_motion" if motion else "")
    return checkpoint_folder(root, f"pretrain_{tag}", cfg.pre_seed, [keys, pool_identity(cfg), tag])


def finetune_dir(root: str | Path, row, cfg, seed: int) -> Path:
    """The checkpoint folder of fine-tuning ``row`` (:class:`fer_lib.experiments.mae_dfer.Row`) with ``seed``."""
    return row_checkpoint_dir(root, row, cfg, seed, NOT_TRAINING, PATHS)


def classifier_spec(cfg, encoder: str, encoder_kwargs: dict, classes: tuple[str, ...], num_reg: int = 0) -> dict:
    """The keyword arguments of :func:`~fer_lib.predict.classifier.save_classifier` for a fine-tuned
    VideoClassifier: its architecture, the class list, the frame size and the clip it reads (``cfg.frames``
    frames ``cfg.stride`` apart, ImageNet-normalised)."""
    if len(classes) != cfg.num_classes:
        raise ValueError(f"{len(classes)} class names {classes} for a {cfg.num_classes}-class head")
    arch = {"encoder": encoder, "encoder_kwargs": encoder_kwargs, "num_reg": num_reg,
            "batch_norm_features": cfg.batch_norm_features}
    return dict(arch="video_classifier", arch_kwargs=arch, classes=tuple(classes), size=cfg.image_size,
                scaling="video", clip_frames=cfg.frames, clip_stride=cfg.stride)


def save_finetuned(path: str | Path, model, cfg, encoder: str, encoder_kwargs: dict,
                   classes: tuple[str, ...]) -> Path:
    """``model`` (a fine-tuned VideoClassifier) at ``path`` as a checkpoint ``fer-book predict`` loads."""
    num_reg = 0 if model.reg_head is None else model.reg_head.out_features
    return save_classifier(path, model, **classifier_spec(cfg, encoder, encoder_kwargs, classes, num_reg))
