import numpy as np
import pytest
import torch
from torchmetrics.functional.regression import concordance_corrcoef

from fer_lib.metrics.regression import angular_error_deg, ccc, rmse


def test_ccc_reference_formula_and_cases():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    y = 0.5 * x + rng.normal(scale=0.3, size=200) + 0.2
    rho = np.corrcoef(x, y)[0, 1]
    expected = 2 * rho * x.std() * y.std() / (x.var() + y.var() + (x.mean() - y.mean()) ** 2)
    assert ccc(x, y) == pytest.approx(expected)
    assert ccc(x, x) == pytest.approx(1.0)
    centred = x - x.mean()
    assert ccc(centred, -centred) == pytest.approx(-1.0)
    assert ccc(x, x + 1) < 1.0, "a bias lowers CCC though correlation is 1"


def test_ccc_agrees_with_torchmetrics():
    # torchmetrics (an independent implementation) uses sample moments (n - 1); ours uses Lin's population
    # moments. Shrinking each deviation from the mean by sqrt((n - 1) / n) turns one into the other exactly,
    # so the two must agree for any n and any mean offset; for equal means they agree without the shrink.
    rng = np.random.default_rng(3)
    for n in (3, 7, 500):
        x = rng.normal(size=n)
        y = 0.7 * x + rng.normal(scale=0.5, size=n) + 0.4
        shrink = np.sqrt((n - 1) / n)
        xs, ys = x.mean() + (x - x.mean()) * shrink, y.mean() + (y - y.mean()) * shrink
        reference = concordance_corrcoef(torch.tensor(ys), torch.tensor(xs)).item()
        assert ccc(x, y) == pytest.approx(reference, rel=1e-12)
        y0 = y - y.mean() + x.mean()
        assert ccc(x, y0) == pytest.approx(concordance_corrcoef(torch.tensor(y0), torch.tensor(x)).item(), rel=1e-12)


def test_rmse_and_angles():
    assert rmse([0, 0], [3, 4]) == pytest.approx(np.sqrt(12.5))
    assert angular_error_deg(np.array([[0.0, 0.0]]), np.array([[0.0, np.pi / 2]]))[0] == pytest.approx(90)
    assert angular_error_deg(np.array([[0.3, -0.2]]), np.array([[0.3, -0.2]]))[0] == pytest.approx(0, abs=1e-5)
