"""A text-generation run: prompts for every item or user, sent with bounded concurrency.

Each finished text goes to the SQLite cache in `out_dir` at once. The JSON export that
`build_texts` imports is written when the run ends, is stopped, or stops on an exhausted
quota. A resumed run requests only the keys that have no final entry in the cache.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from ur4rec.data.dataset import InteractionData
from ur4rec.data.split import LeaveOneOutSplit
from ur4rec.errors import LLMError
from ur4rec.llm.api_key import resolve_api_key
from ur4rec.llm.cache import (
    CACHE_FILE,
    STATUS_MODERATED,
    STATUS_OK,
    CachedText,
    TextCache,
)
from ur4rec.llm.dashscope_client import (
    DEFAULT_BACKOFF_BASE_S,
    DEFAULT_BACKOFF_MAX_S,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MODEL,
    ApiKeyRejectedError,
    CallStopped,
    Completion,
    DashScopeClient,
    QuotaExhaustedError,
)
from ur4rec.llm.leakage import text_safe_history
from ur4rec.llm.prompts import (
    DEFAULT_MAX_HISTORY,
    TEXT_KINDS,
    PromptTemplate,
    build_prompt,
    load_template,
)
from ur4rec.llm.sources import text_file_path
from ur4rec.llm.templates import item_template, user_template

logger = logging.getLogger(__name__)

BACKENDS = ("dashscope", "offline")
# The model name under which the offline backend caches its template texts.
OFFLINE_MODEL = "offline-template"
# How often the run loop checks the stop event while requests are in flight.
POLL_INTERVAL_S = 0.2

@dataclass
class GenerationSummary:
    """Counts of one generation run; `done`, `moderated` and `failed` count this run's requests."""

    kind: str
    model: str
    template_hash: str
    total: int = 0  # keys in scope (all items or users, or the first `limit`)
    done: int = 0  # texts generated in this run
    cached: int = 0  # keys skipped because the cache already held a final text
    moderated: int = 0  # rejected by moderation, stored with the offline template text
    failed: int = 0  # timed out or failed after retries; a resumed run tries them again
    tokens: int = 0  # prompt plus completion tokens of this run
    stopped: bool = False
    export_path: Path | None = None


# progress(finished, pending, summary): `summary` is the live object; copy it to keep it.
ProgressCallback = Callable[[int, int, GenerationSummary], None]


@dataclass(frozen=True)
class _Job:
    internal_id: int
    raw_id: str


@dataclass
class _Run:
    """Everything the run loop needs, so helpers take one argument instead of ten."""

    kind: str
    data: InteractionData
    split: LeaveOneOutSplit | None
    template: PromptTemplate
    model: str
    max_history: int
    cache: TextCache
    summary: GenerationSummary
    progress: ProgressCallback | None
    pending: int
    finished: int = 0


def _validate(kind: str, backend: str, max_concurrency: int, limit: int | None,
              split: LeaveOneOutSplit | None) -> None:
    if kind not in TEXT_KINDS:
        raise LLMError(f"unknown text kind {kind!r}; use one of {', '.join(TEXT_KINDS)}")
    if backend not in BACKENDS:
        raise LLMError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    if max_concurrency < 1:
        raise LLMError(f"max concurrency must be at least 1, got {max_concurrency}")
    if limit is not None and limit < 0:
        raise LLMError(f"limit must be 0 or more, got {limit}")
    if kind == "users" and split is None:
        raise LLMError("user texts need the train/validation/test split; pass `split`")


def _jobs(kind: str, data: InteractionData, limit: int | None) -> list[_Job]:
    raw_ids = data.item_raw_ids if kind == "items" else data.user_raw_ids
    jobs = [_Job(internal, raw_ids[internal]) for internal in range(1, len(raw_ids))]
    return jobs if limit is None else jobs[:limit]


def fallback_text(kind: str, data: InteractionData, split: LeaveOneOutSplit | None,
                  internal_id: int) -> str:
    """Return the offline template text of one item or user (training history only)."""
    if kind == "items":
        return item_template(data.items[internal_id])
    assert split is not None
    return user_template(data, text_safe_history(data, split, internal_id))


def _record(run: _Run, job: _Job, completion: Completion) -> None:
    text = completion.text
    if completion.status == STATUS_MODERATED:
        text = fallback_text(run.kind, run.data, run.split, job.internal_id)
    run.cache.put(CachedText(
        kind=run.kind, raw_id=job.raw_id, template_hash=run.template.hash, model=run.model,
        text=text, status=completion.status, prompt_tokens=completion.prompt_tokens,
        completion_tokens=completion.completion_tokens, request_id=completion.request_id,
    ))

    summary = run.summary
    summary.tokens += completion.prompt_tokens + completion.completion_tokens
    if completion.status == STATUS_OK:
        summary.done += 1
    elif completion.status == STATUS_MODERATED:
        summary.moderated += 1
    else:
        summary.failed += 1
        logger.warning("%s %s failed: %s", run.kind[:-1], job.raw_id, completion.detail)
    run.finished += 1
    _report(run)


def _report(run: _Run) -> None:
    if run.progress is not None:
        run.progress(run.finished, run.pending, run.summary)


def _run_offline(run: _Run, jobs: list[_Job], stop_event: threading.Event) -> None:
    for job in jobs:
        if stop_event.is_set():
            run.summary.stopped = True
            return
        text = fallback_text(run.kind, run.data, run.split, job.internal_id)
        _record(run, job, Completion(STATUS_OK, text=text))


def _run_dashscope(run: _Run, jobs: list[_Job], client: DashScopeClient,
                   max_concurrency: int, stop_event: threading.Event) -> None:
    """Keep at most `max_concurrency` requests in flight until the jobs run out or a stop."""
    halt = client.stop_event
    queue: Iterator[_Job] = iter(jobs)
    in_flight: dict[Future[Completion], _Job] = {}
    fatal: LLMError | None = None
    with ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="dashscope") as pool:
        while True:
            if stop_event.is_set():
                halt.set()
            while not halt.is_set() and len(in_flight) < max_concurrency:
                job = next(queue, None)
                if job is None:
                    break
                prompt = build_prompt(run.kind, run.data, run.split, job.internal_id,
                                      run.template, run.max_history)
                label = f"{run.kind[:-1]} {job.raw_id}"
                in_flight[pool.submit(client.complete, prompt, label)] = job
            if not in_flight:
                break

            finished, _ = wait(in_flight, timeout=POLL_INTERVAL_S, return_when=FIRST_COMPLETED)
            for future in finished:
                job = in_flight.pop(future)
                try:
                    _record(run, job, future.result())
                except CallStopped:
                    continue
                except (QuotaExhaustedError, ApiKeyRejectedError) as err:
                    # Stop submitting; requests already in flight still finish and are kept.
                    fatal = fatal or err
                    halt.set()
    run.summary.stopped = halt.is_set()
    if fatal is not None:
        raise fatal


def generate_texts(
    kind: str,
    data: InteractionData,
    split: LeaveOneOutSplit | None,
    out_dir: Path,
    model: str = DEFAULT_MODEL,
    max_concurrency: int = 4,
    limit: int | None = None,
    resume: bool = False,
    backend: str = "dashscope",
    api_key: str | None = None,
    timeout_s: float | None = None,
    progress: ProgressCallback | None = None,
    stop_event: threading.Event | None = None,
    *,
    max_retries: int = DEFAULT_MAX_RETRIES,
    backoff_base_s: float = DEFAULT_BACKOFF_BASE_S,
    backoff_max_s: float = DEFAULT_BACKOFF_MAX_S,
    base_url: str | None = None,
    max_history: int = DEFAULT_MAX_HISTORY,
) -> GenerationSummary:
    """Generate item descriptions or user preference texts into `out_dir`.

    `limit` keeps the first `limit` items or users in id order. Without `resume`, an
    `out_dir` whose cache already contains DashScope texts for this kind, model and template
    is an error, so a forgotten `--resume` never pays for texts twice; offline runs always
    continue. `progress(finished,
    pending, summary)` is called once before the first request and after each request;
    setting `stop_event` ends the run after the requests in flight. Raises
    `QuotaExhaustedError` (with `.summary` set) after saving and exporting what finished
    when the account's quota is exhausted.
    """
    _validate(kind, backend, max_concurrency, limit, split)
    stop_event = stop_event or threading.Event()
    out_dir = Path(out_dir)
    template = load_template(kind)
    model_key = model if backend == "dashscope" else OFFLINE_MODEL
    client = None
    if backend == "dashscope":
        client = DashScopeClient(
            resolve_api_key(api_key), model, timeout_s=timeout_s, max_retries=max_retries,
            backoff_base_s=backoff_base_s, backoff_max_s=backoff_max_s, base_url=base_url,
        )

    with TextCache(out_dir / CACHE_FILE) as cache:
        jobs = _jobs(kind, data, limit)
        final = cache.final_ids(kind, template.hash, model_key) & {job.raw_id for job in jobs}
        if final and not resume and client is not None:
            raise LLMError(
                f"{cache.path} already contains {len(final)} {kind[:-1]} texts for model "
                f"{model_key!r} and this prompt template; pass --resume to continue, "
                "or choose another --out"
            )
        pending = [job for job in jobs if job.raw_id not in final]
        summary = GenerationSummary(kind, model_key, template.hash, total=len(jobs),
                                    cached=len(jobs) - len(pending))
        run = _Run(kind, data, split, template, model_key, max_history, cache, summary,
                   progress, pending=len(pending))
        logger.info(
            "generating %d %s texts with %s (%d already cached, template %s, max concurrency %d)",
            len(pending), kind[:-1], model_key, summary.cached, template.hash, max_concurrency,
        )
        _report(run)
        try:
            if client is None:
                _run_offline(run, pending, stop_event)
            else:
                _run_dashscope(run, pending, client, max_concurrency, stop_event)
        except QuotaExhaustedError as err:
            err.summary = summary
            raise
        finally:
            summary.export_path = text_file_path(out_dir, kind)
            cache.export_json(kind, model_key, template.hash, summary.export_path)
            _log_summary(summary)
    return summary


def _log_summary(summary: GenerationSummary) -> None:
    logger.info(
        "%s texts: %d generated, %d cached, %d moderated, %d failed, %d tokens%s",
        summary.kind[:-1], summary.done, summary.cached, summary.moderated, summary.failed,
        summary.tokens, " (stopped early)" if summary.stopped else "",
    )
