"""budget_momentum: the EMA time constant as a fraction of the run, checked by running the EMA itself."""

import math

import pytest
import torch
from torch import nn

from fer_lib.nn.momentum import budget_momentum, cosine_momentum, momentum_copy, momentum_update


def init_share(momenta) -> float:
    """Run momentum_update with a target starting at 1 and an online network at 0: what is left is the share."""
    online = nn.Linear(1, 1, bias=False)
    nn.init.ones_(online.weight)
    target = momentum_copy(online)
    with torch.no_grad():
        online.weight.zero_()
    for m in momenta:
        momentum_update(online, target, m)
    return float(target.weight)


def test_hand_computed_values():
    assert budget_momentum(0.999, 100, 0.1) == pytest.approx(0.9)        # tau = 10 steps
    assert budget_momentum(0.999, 10, 0.5) == pytest.approx(0.8)         # tau = 5 steps
    assert budget_momentum(0.999, 5, 0.1) == 0.0                         # tau <= 1 step: copy the online network
    assert budget_momentum(0.996, 136, None) == 0.996                    # None: the paper's value


def test_share_of_the_initial_weights_after_the_run():
    # 100 steps at m = 0.9: 0.9 ** 100 = 2.6561e-5 of the init is left, below exp(-1 / 0.1) = 4.54e-5
    share = init_share([budget_momentum(0.999, 100, 0.1)] * 100)
    assert share == pytest.approx(2.6561398887587544e-05, rel=1e-4)
    assert share < math.exp(-10)
    assert init_share([budget_momentum(0.999, 10, 0.5)] * 10) == pytest.approx(0.8 ** 10, rel=1e-5)  # 0.10737


def test_paper_momenta_barely_move_in_136_steps():
    # the numbers: MoCo's key encoder keeps 87 % of its init, BYOL's target (cosine to 1) 76 %
    assert init_share([0.999] * 136) == pytest.approx(0.8727, abs=1e-3)
    assert init_share([cosine_momentum(t, 136, 0.996) for t in range(136)]) == pytest.approx(0.762, abs=2e-3)
    # scaled to the run (f = 0.1): MoCo exp(-10), BYOL's cosine about exp(-1 / (2 f)) = exp(-5)
    moco = budget_momentum(0.999, 136, 0.1)
    assert moco == pytest.approx(1 - 1 / 13.6)
    assert init_share([moco] * 136) < math.exp(-10)
    base = budget_momentum(0.996, 136, 0.1)
    assert init_share([cosine_momentum(t, 136, base) for t in range(136)]) < math.exp(-5)


def test_paper_value_is_an_upper_bound_and_is_restored_for_long_runs():
    assert budget_momentum(0.999, 10_000, 0.1) == pytest.approx(0.999)   # f * S = 1 / (1 - 0.999)
    assert budget_momentum(0.999, 20_000, 0.1) == 0.999                  # 0.9995 would be slower than the paper
    assert budget_momentum(0.996, 1_000_000, 0.25) == 0.996


@pytest.mark.parametrize("args, match", [((1.5, 10, 0.1), "paper_momentum"), ((0.99, 0, 0.1), "total_steps"),
                                         ((0.99, 10, 0.0), "time_fraction"), ((0.99, 10, -1.0), "time_fraction")])
def test_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        budget_momentum(*args)
