"""Retries with backoff on the nightly flow's I/O tasks only, and every I/O task safe to repeat."""

from __future__ import annotations

import pytest
from prefect import Task

from flows import nightly
from yotbench.atomic import swap_in
from yotbench.briefing import install_briefings
from yotbench.config import RunConfig

IO_TASKS = {"plan_run", "land_batch", "record_superseded", "write_data_docs", "publish_marts", "publish_briefings"}
PURE_TASKS = {"build_marts", "test_gaps", "write_briefing"}


def test_only_the_io_tasks_retry_and_they_back_off():
    tasks = {t.name: t for t in vars(nightly).values() if isinstance(t, Task)}
    assert IO_TASKS | PURE_TASKS | {"briefing_artifacts"} == set(tasks)
    for name in IO_TASKS | {"briefing_artifacts"}:
        assert tasks[name].retries == 2, name
        assert tasks[name].retry_delay_seconds == [2, 10], name  # longer each time
    for name in PURE_TASKS:
        assert tasks[name].retries == 0, name


def test_swapping_in_a_folder_that_is_not_there_leaves_the_target_alone(tmp_path):
    target = tmp_path / "briefings" / "b"
    target.mkdir(parents=True)
    (target / "briefing.html").write_text("published", encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="nothing to swap in"):
        swap_in(tmp_path / "staged" / "b", target)
    assert (target / "briefing.html").read_text(encoding="utf-8") == "published"
    assert [p.name for p in target.parent.iterdir()] == ["b"]  # nothing renamed aside


def test_installing_briefings_twice_is_installing_them_once(tmp_path):
    # a retried publish_briefings: the first attempt moved the folders, then failed
    config = RunConfig(data_dir=tmp_path / "data")
    staged = [tmp_path / "staging" / name for name in ("yos-2018_a", "yos-2018_b")]
    for folder in staged:
        folder.mkdir(parents=True)
        (folder / "briefing.html").write_text(folder.name, encoding="utf-8")
    first = install_briefings(staged, config)
    again = install_briefings(staged, config)
    assert first == again == [config.briefings_dir / "yos-2018_a", config.briefings_dir / "yos-2018_b"]
    assert sorted(p.name for p in config.briefings_dir.iterdir()) == ["yos-2018_a", "yos-2018_b"]
    assert (config.briefings_dir / "yos-2018_b" / "briefing.html").read_text(encoding="utf-8") == "yos-2018_b"
