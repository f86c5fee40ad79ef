"""Started checks in the service: only so many wait at once, finished ones are forgotten after a while."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from jupyter_safepip.core.request import RequestError
from jupyter_safepip.server import service as service_module
from jupyter_safepip.server.service import MAX_UNFINISHED_CHECKS, CheckInput, SafePipService, TooManyChecks
from tests.support.waits import wait_until

UNREADABLE = CheckInput(spec="pandas>>=2")  # fails as soon as it runs, before pip


def _finished(service: SafePipService, job_id: str):
    return wait_until(lambda: (job := service.job(job_id)) is not None and not job.running and job, 30,
                      f"the check {job_id} to finish")


def test_only_so_many_checks_run_or_wait_at_once(safepip_env):
    service = SafePipService()
    busy = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as executor:
        executor.submit(busy.wait)  # the one worker is taken: every check started now waits
        try:
            waiting = [service.start(UNREADABLE, executor) for _ in range(MAX_UNFINISHED_CHECKS)]
            with pytest.raises(TooManyChecks, match=f"{MAX_UNFINISHED_CHECKS} checks are running or waiting"):
                service.start(UNREADABLE, executor)
            assert all(service.job(job_id).running for job_id in waiting)
        finally:
            busy.set()
        for job_id in waiting:
            assert isinstance(_finished(service, job_id).error, RequestError)
        assert service.start(UNREADABLE, executor) not in waiting  # room again, under a new id


def test_finished_checks_are_forgotten_beyond_the_newest_and_after_a_while(safepip_env, monkeypatch):
    monkeypatch.setattr(service_module, "MAX_FINISHED_CHECKS", 2)
    service = SafePipService()
    with ThreadPoolExecutor(max_workers=1) as executor:
        ids = []
        for _ in range(4):  # each start forgets what is beyond the newest 2 finished
            ids.append(service.start(UNREADABLE, executor))
            _finished(service, ids[-1])
        assert [service.job(job_id) is not None for job_id in ids] == [False, True, True, True]
        monkeypatch.setattr(service_module, "KEEP_FINISHED_SECONDS", 0.0)
        latest = service.start(UNREADABLE, executor)
        assert [service.job(job_id) for job_id in ids] == [None] * 4 and service.job(latest) is not None
