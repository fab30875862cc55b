"""The action server's wiring: where actions get their backend client, retriever, LLM client and
hosts. Built lazily on first use, never at import; tests and embedding applications may inject their own."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, cast

from actions.backend_client import BackendClient, BackendUnavailable
from actions.settings import ActionSettings, get_settings
from service_common.secret_rotation import accepted_from_env, check_deadlines

if TYPE_CHECKING:
    from actions.answering import Answer, Answerer
    from actions.freeform import FreeFormHost
    from actions.recommending import Recommender
    from experiments.config import ExperimentRegistry
    from llm.cache import AnswerCache
    from llm.client import LlmClient
    from llm.prompting import Prompts
    from rag.config import RagConfig
    from rag.retriever import Retriever
    from rag.sync import Indexer

_backend: BackendClient | None = None
_rag_config: RagConfig | None = None
_indexer: Indexer | None = None
_retriever: Retriever | None = None
_llm: LlmClient | None = None
_hosts: dict[str, Any] = {}
_hosts_lock = asyncio.Lock()


def backend() -> BackendClient:
    global _backend
    if _backend is None:
        settings = get_settings()
        _backend = BackendClient(
            settings.backend_url,
            settings.backend_service_token,
            timeout_seconds=settings.backend_timeout_seconds,
            menu_cache_seconds=settings.menu_cache_seconds,
        )
    return _backend


def use_backend(client: BackendClient | None) -> None:
    """Replace the shared backend client (tests, or an embedding application)."""
    global _backend
    _backend = client
    _hosts.clear()


def rag_config() -> RagConfig:
    """The retrieval settings, read from the environment once."""
    global _rag_config
    if _rag_config is None:
        from rag.config import RagConfig

        _rag_config = RagConfig.from_env()
    return _rag_config


def writes_index() -> bool:
    """False for a reader on the embedded store (RAG_INDEX_ROLE=reader): it searches the snapshots the
    writer publishes and never syncs. With QDRANT_URL every action server is a writer of the server."""
    return not rag_config().reads_snapshots


def indexer() -> Indexer:
    """The one index writer of this process (embedded Qdrant allows a single client per folder);
    imported lazily so actions load without the model."""
    global _indexer
    if _indexer is None:
        if not writes_index():
            raise RuntimeError("RAG_INDEX_ROLE=reader: this action server does not write the index")
        from rag.sync import Indexer

        _indexer = Indexer.from_config(rag_config())
    return _indexer


def retriever() -> Retriever:
    """The retriever of this process: the writer's shares the indexer's model and Qdrant client."""
    global _retriever
    if _retriever is None:
        from rag.retriever import Retriever

        if writes_index():
            shared = indexer()
            _retriever = Retriever(rag_config(), embedder=shared.embedder, index=shared.index)
        else:  # searches the newest published snapshot (rag/snapshot_reader.py)
            from rag.embedder import shared_embedder

            _retriever = Retriever(rag_config(), embedder=shared_embedder(rag_config().model_path))
    return _retriever


def llm() -> LlmClient:
    global _llm
    if _llm is None:
        from llm.client import LlmClient
        from llm.config import LlmConfig

        _llm = LlmClient(LlmConfig())
    return _llm


def use_llm(client: LlmClient | None) -> None:
    global _llm
    _llm = client
    _hosts.clear()


_experiments: ExperimentRegistry | None = None


def experiments() -> ExperimentRegistry:
    global _experiments
    if _experiments is None:
        from experiments.config import ExperimentRegistry

        _experiments = ExperimentRegistry(get_settings().experiments_file)
    return _experiments


def webhook_secrets() -> list[str]:
    """The menu webhook's signing secrets accepted now: current, plus the previous one during a rotation."""
    return accepted_from_env("WEBHOOK_SECRET", current=get_settings().webhook_secret)


def check_rotation_deadlines() -> None:
    """MalformedDeadline for a malformed WEBHOOK_SECRET_PREVIOUS_UNTIL: checked when the server is built."""
    check_deadlines(["WEBHOOK_SECRET"])


async def _build_hosts() -> dict[str, Any]:
    from llm.cache import AnswerCache
    from llm.prompting import Prompts

    settings = get_settings()
    client = llm()
    try:
        restaurant = str((await backend().restaurant()).get("name") or "our restaurant")
    except BackendUnavailable:
        restaurant = "our restaurant"  # not cached: the next turn tries the backend again
        prompts = Prompts(restaurant=restaurant, token_budget=client.config.prompt_token_budget)
        return _hosts_from(
            prompts, settings, client, AnswerCache(ttl_seconds=1, max_entries=1), cache_hosts=False
        )
    prompts = Prompts(restaurant=restaurant, token_budget=client.config.prompt_token_budget)
    cache: AnswerCache[Answer] = AnswerCache(
        ttl_seconds=client.config.cache_ttl_seconds, max_entries=client.config.cache_size
    )
    return _hosts_from(prompts, settings, client, cache, cache_hosts=True)


def _hosts_from(
    prompts: Prompts,
    settings: ActionSettings,
    client: LlmClient,
    cache: AnswerCache[Answer],
    *,
    cache_hosts: bool,
) -> dict[str, Any]:
    from actions.answering import Answerer
    from actions.freeform import FreeFormHost
    from actions.recommending import Recommender, load_moods

    answerer = Answerer(
        backend=backend(),
        retriever=retriever(),
        llm=client,
        prompts=prompts,
        cache=cache,
        min_score=settings.answer_min_score,
    )
    hosts = {
        "answerer": answerer,
        "recommender": Recommender(
            backend=backend(),
            retriever=retriever(),
            llm=client,
            prompts=prompts,
            moods=load_moods(),
            count=settings.recommendation_count,
        ),
        "freeform": FreeFormHost(
            backend=backend(),
            llm=client,
            prompts=prompts,
            answerer=answerer,
            max_rounds=client.config.max_tool_rounds,
            max_quantity=settings.max_quantity,
        ),
    }
    if cache_hosts:
        _hosts.update(hosts)
    return hosts


async def _host(name: str) -> Any:
    if name in _hosts:
        return _hosts[name]
    async with _hosts_lock:
        if name in _hosts:
            return _hosts[name]
        return (await _build_hosts())[name]


# _hosts_from keeps each host under its name
async def answerer() -> Answerer:
    return cast("Answerer", await _host("answerer"))


async def recommender() -> Recommender:
    return cast("Recommender", await _host("recommender"))


async def freeform() -> FreeFormHost:
    return cast("FreeFormHost", await _host("freeform"))
