"""Devices: CUDA when present, the CPU otherwise, the same points on both."""
from __future__ import annotations

import pytest
import torch

import derive
from derive import Status
from derive.errors import DeviceError
from derive.judge.numeric import resolve_device

CUDA = torch.cuda.is_available()
JAC = "ucb-cs182-sp22/1"
WRONG = r"\frac{n}{\sum_i x_i}\mathbf{I}_n"


def test_default_device():
    assert resolve_device(None).type == ("cuda" if CUDA else "cpu")
    assert resolve_device("cpu").type == "cpu"


@pytest.mark.parametrize("bad", ["gpu", "mps", "tpu:0"])
def test_unknown_devices_are_refused(bad):
    with pytest.raises(DeviceError):
        resolve_device(bad)


@pytest.mark.skipif(CUDA, reason="needs a machine without CUDA")
def test_cuda_without_cuda_is_a_clear_error():
    with pytest.raises(DeviceError, match="no CUDA"):
        derive.check(JAC, WRONG, device="cuda")


def test_cpu_verdict_carries_its_device():
    v = derive.check(JAC, WRONG, device="cpu")
    assert v.evidence["numeric"]["device"] == "cpu"


@pytest.mark.skipif(not CUDA, reason="needs CUDA")
def test_cuda_agrees_with_cpu():
    on_cpu = derive.check(JAC, WRONG, device="cpu", seed=5)
    on_gpu = derive.check(JAC, WRONG, device="cuda", seed=5)
    assert on_gpu.status is on_cpu.status is Status.NOT_EQUIVALENT
    assert on_gpu.evidence["numeric"]["device"].startswith("cuda")
    assert on_gpu.counterexample.point == on_cpu.counterexample.point
    right = r"\frac{n}{(\sum_i x_i)^2}\left(\mathbf{I}_n\sum_i x_i - \mathbf{x}\mathbf{1}_n^\top\right)"
    assert derive.check(JAC, right, device="cuda").status is Status.EQUIVALENT
