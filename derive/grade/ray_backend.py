"""``derive grade --ray [ADDRESS]``: the grading function as Ray tasks.

The run deduplicates before it dispatches (:mod:`.engine`), so only distinct answers travel;
each task is a batch of them, checked by :func:`derive.grade.work.grade_items`, the same
function ``--jobs`` runs. Ray keeps its worker processes between tasks, so each keeps its
own sandboxed worker and caches (:mod:`.work`) across the batches it is given. Ray is an
optional dependency: ``pip install 'derive[ray]'``.
"""
from __future__ import annotations

from typing import Any

from ..errors import DeriveError
from .work import Item, Settings, grade_items


def _grade_task(settings: Settings, items: list[Item]) -> list[tuple[int, dict]]:
    try:
        import torch
        torch.set_num_threads(1)  # one task per CPU Ray gives it
    except ImportError:  # pragma: no cover
        pass
    return grade_items(settings, items)


class RayBackend:
    name = "ray"

    def __init__(self, settings: Settings, address: str, jobs: int | None):
        try:
            import ray
        except ImportError:
            raise DeriveError("--ray needs Ray: pip install 'derive[ray]'") from None
        self.ray = ray
        self.settings = settings
        self.started = not ray.is_initialized()
        if self.started:
            if address:   # an existing cluster: "auto", "ray://host:10001", "host:6379"
                ray.init(address=address, log_to_driver=False)
            else:         # a local cluster of this machine's cores (or --jobs of them)
                ray.init(num_cpus=jobs, include_dashboard=False, log_to_driver=False)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.capacity = max(1, min(cpus, jobs) if jobs else cpus)
        self.lookahead = 2 * self.capacity
        self.task = ray.remote(_grade_task).options(num_cpus=1, max_retries=1)
        self.refs: dict[Any, tuple[int, list[Item]]] = {}

    def submit(self, tid: int, items: list[Item]) -> None:
        self.refs[self.task.remote(self.settings, items)] = (tid, items)

    def poll(self, timeout: float) -> list[tuple[int, list[tuple[int, dict]]]]:
        if not self.refs:
            return []
        ready, _ = self.ray.wait(list(self.refs), num_returns=len(self.refs), timeout=timeout)
        if not ready:
            ready, _ = self.ray.wait(list(self.refs), num_returns=1, timeout=0)
        out = []
        for ref in ready:
            tid, items = self.refs.pop(ref)
            try:
                out.append((tid, self.ray.get(ref)))
            except Exception as exc:  # noqa: BLE001 - a task that died: its answers crashed
                out.append((tid, [(it.key, {"error": f"the Ray task failed: "
                                                     f"{type(exc).__name__}: {exc}"})
                                  for it in items]))
        return out

    def close(self, kill: bool = False) -> None:
        if kill:
            for ref in self.refs:
                try:
                    self.ray.cancel(ref, force=True)
                except Exception:  # noqa: BLE001 - finished meanwhile
                    pass
        self.refs.clear()
        if self.started:
            self.ray.shutdown()
