"""pytest plugin for derive: run the same test on CPU and, where present, CUDA.

Registered through the ``pytest11`` entry point, so it loads in every pytest run
of an environment where derive is installed. It therefore stays out of the way:
it adds one command-line option, one fixture and one marker, and imports torch
only when a collected test asks for ``derive_device`` or carries ``gpu``.

* ``derive_device`` (fixture): a device name, ``"cpu"`` or ``"cuda"``. A test that
  uses it is parametrised over ``cpu`` and, when ``torch.cuda.is_available()``,
  ``cuda``. ``--derive-device=cpu`` or ``--derive-device=cuda`` runs one only
  (``cuda`` without a CUDA device is an error, not a silent skip).
* ``@pytest.mark.gpu``: the test needs CUDA; it is skipped where torch sees none.

Example::

    def test_gradient(derive_device):
        assert_matches_autograd(r"2 W^T (W x - y)", loss, wrt="x", ..., device=derive_device)
"""
from __future__ import annotations

import pytest

CHOICES = ("auto", "cpu", "cuda")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("derive", "derive (derivation checker)")
    group.addoption(
        "--derive-device", action="store", default="auto", choices=CHOICES,
        help="device for tests using the derive_device fixture: auto (cpu, plus cuda "
             "when torch sees one; the default), cpu, or cuda")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "gpu: the test needs a CUDA device; skipped when torch sees none")


def _cuda_available() -> bool:
    import torch  # lazily: only when a collected test needs to know
    return bool(torch.cuda.is_available())


def _devices(config: pytest.Config) -> list[str]:
    choice = config.getoption("--derive-device", default="auto")
    if choice in ("cpu", "cuda"):
        return [choice]
    return ["cpu", "cuda"] if _cuda_available() else ["cpu"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "derive_device" not in metafunc.fixturenames:
        return
    # a test that parametrises derive_device itself keeps its own values
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0] if mark.args else mark.kwargs.get("argnames", "")
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",")]
        if "derive_device" in names:
            return
    devices = _devices(metafunc.config)
    metafunc.parametrize("derive_device", devices, ids=devices, indirect=True)


@pytest.fixture
def derive_device(request: pytest.FixtureRequest) -> str:
    """The device to run on: ``"cpu"`` or ``"cuda"``."""
    device = getattr(request, "param", None) or "cpu"
    if device == "cuda" and not _cuda_available():
        pytest.fail("--derive-device=cuda, but torch sees no CUDA device", pytrace=False)
    return device


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("gpu") is not None and not _cuda_available():
        pytest.skip("needs a CUDA device (torch.cuda.is_available() is False)")
