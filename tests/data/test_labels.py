import numpy as np
import pytest

from fer_lib.data import labels


def test_remap_by_name():
    dfew = np.array([0, 1, 2, 6])  # happy, sad, neutral, fear
    out = labels.remap(dfew, labels.DFEW_7, labels.AFFECTNET_8)
    assert [labels.AFFECTNET_8[i] for i in out] == ["happy", "sad", "neutral", "fear"]
    with pytest.raises(ValueError, match="contempt"):
        labels.remap(np.array([7]), labels.AFFECTNET_8, labels.DFEW_7)
    assert labels.remap(np.array([7]), labels.AFFECTNET_8, labels.DFEW_7, missing=-1).tolist() == [-1]


def test_coarse_groups():
    fine = np.arange(8)
    coarse = labels.coarse_labels(fine, labels.AFFECTNET_8)
    names = [labels.COARSE_4[i] for i in coarse]
    assert names == ["neutral", "positive", "negative", "surprise", "negative", "negative", "negative", "negative"]
    with pytest.raises(ValueError, match="other"):
        labels.coarse_labels(np.array([7]), labels.AFFWILD2_8)
