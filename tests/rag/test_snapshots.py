"""Snapshots for reader processes (rag/snapshots.py, rag/snapshot_reader.py): real embedded Qdrant,
the real MiniLM model and the demo backend. The writer holds its folder throughout, as the running
writer action server does; readers open published snapshots on private copies."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rag.config import RagConfig
from rag.index import IndexLockedError, make_client
from rag.retriever import Retriever, SearchFilters
from rag.snapshot_reader import IndexNotPublished, SnapshotReader
from rag.snapshots import SnapshotStore
from rag.sync import Indexer


@pytest.fixture(scope="module")
def writer(cli_build, backend, tmp_path_factory) -> Iterator[Indexer]:
    """A writer on its own copy of the CLI-built index, holding that folder's lock."""
    from rag.embedder import shared_embedder

    path = tmp_path_factory.mktemp("writer") / "qdrant"
    shutil.copytree(cli_build.path, path, ignore=shutil.ignore_patterns("snapshots", ".lock"))
    config = RagConfig(backend_url=backend.url, backend_token="rag-test-service-token", qdrant_path=str(path))
    indexer = Indexer.from_config(config, embedder=shared_embedder(config.model_path))
    indexer.index.exists()  # opens the folder (and takes its lock) now
    yield indexer
    indexer.index.close()
    indexer.source.close()


def reader_config(writer: Indexer, **changes) -> RagConfig:
    return RagConfig(qdrant_path=writer.index.path, index_role="reader", snapshot_check_seconds=0, **changes)


def reader_of(writer: Indexer, workdir: Path) -> Retriever:
    """A reader as RAG_INDEX_ROLE=reader builds it, its private copies under `workdir`."""
    config = reader_config(writer)
    workdir.mkdir(parents=True, exist_ok=True)
    snapshots = SnapshotReader.from_config(
        config, writer.embedder.dimension, model_id=writer.embedder.model_id
    )
    snapshots.workdir = str(workdir)
    return Retriever(config, embedder=writer.embedder, snapshots=snapshots)


@pytest.fixture
def edited(backend) -> Iterator[Callable[..., dict]]:
    """Edit demo dishes (items no other retrieval test looks at); put them back afterwards."""
    originals: dict[str, dict] = {}

    def edit(slug: str, **fields) -> dict:
        item = backend.item_by_slug(slug)
        originals.setdefault(slug, {name: item[name] for name in fields})
        backend.update_item(slug, **fields)
        return item

    yield edit
    for slug, fields in originals.items():
        backend.update_item(slug, **fields)


def test_the_cli_publishes_a_snapshot_after_a_rebuild(cli_build):
    current = SnapshotStore(cli_build.path / "snapshots").current()
    assert current is not None and current.points > 100 and current.menu_version
    assert (cli_build.path / "snapshots" / current.name / "meta.json").exists()


def test_two_readers_answer_from_the_snapshot_while_the_writer_holds_its_folder(writer, tmp_path):
    started = time.perf_counter()
    name = writer.publish()
    published = time.perf_counter() - started
    assert name is not None
    size = sum(path.stat().st_size for path in (Path(writer.index.path) / "snapshots" / name).rglob("*"))
    print(
        f"snapshot of {writer.index.count()} points: {size / 1e6:.1f} MB, published in {published * 1000:.0f} ms"
    )
    readers = [reader_of(writer, tmp_path / f"r{n}") for n in (1, 2)]
    direct = Retriever(RagConfig(qdrant_path=writer.index.path), embedder=writer.embedder, index=writer.index)
    query, filters = "peanut noodles", SearchFilters(exclude_allergens=("milk",))
    expected = [(r.id, round(r.score, 5)) for r in direct.search(query, top_k=5, filters=filters)]
    for reader in readers:
        assert [(r.id, round(r.score, 5)) for r in reader.search(query, top_k=5, filters=filters)] == expected
        assert reader.snapshots.snapshot.name == name
    with pytest.raises(IndexLockedError):  # the writer still holds QDRANT_PATH: readers never opened it
        make_client(RagConfig(qdrant_path=writer.index.path))
    with pytest.raises(RuntimeError, match="reader"):
        readers[0].index  # noqa: B018 - a reader refuses to open QDRANT_PATH itself
    for reader in readers:
        reader.snapshots.close()


def test_a_reader_switches_to_a_newer_snapshot_without_failing_a_search_in_flight(writer, edited, tmp_path):
    writer.publish()
    reader = reader_of(writer, tmp_path)
    query = "thin slices of beef with candied quince and cardamom"
    before = reader.search(query, top_k=1, filters=SearchFilters(kinds=("menu_item",)))[0]
    assert "quince" not in before.text
    item = edited("beef-carpaccio", description="Thin slices of beef with candied quince and cardamom.")

    with reader.snapshots.lease() as old:  # a search that started on the old snapshot
        old_folder = reader.snapshots._current.folder
        report = writer.update_items([item["id"]])
        assert report.embedded == 1 and report.published
        started = time.perf_counter()
        assert reader.snapshots.refresh()  # swapped while the old index is leased
        print(
            f"reader: new snapshot copied, opened and swapped in {(time.perf_counter() - started) * 1000:.0f} ms"
        )
        assert reader.snapshots.snapshot.name == report.published
        assert old.count() > 100 and old_folder.exists()  # still open for the search holding it
    assert not old_folder.exists()  # closed and removed once released

    top = reader.search(query, top_k=1, filters=SearchFilters(kinds=("menu_item",)))[0]
    assert top.item_id == item["id"] and "quince" in top.text
    reader.snapshots.close()


def test_searches_keep_answering_while_snapshots_are_published(writer, backend, edited, tmp_path):
    """Many searches on threads while the writer publishes and the reader swaps: none fails."""
    reader = reader_of(writer, tmp_path)
    writer.publish()
    errors: list[BaseException] = []
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            try:
                assert reader.search("vegan soup", top_k=3)
            except BaseException as error:
                errors.append(error)
                return

    threads = [threading.Thread(target=search) for _ in range(3)]
    for thread in threads:
        thread.start()
    names = set()
    for n in range(4):
        item = edited("salted-edamame", price=f"4.{n}5")
        names.add(writer.update_items([item["id"]]).published)
        reader.search("edamame", top_k=1)  # a search looks at CURRENT (check interval 0 here)
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(names) == 4 and None not in names
    reader.snapshots.refresh()
    assert reader.snapshots.snapshot.name == max(names)
    reader.snapshots.close()


def test_a_reader_without_a_snapshot_refuses_then_picks_one_up(writer, tmp_path, caplog):
    empty = tmp_path / "empty"
    config = RagConfig(qdrant_path=str(empty), index_role="reader", snapshot_check_seconds=0)
    reader = Retriever(config, embedder=writer.embedder)
    with pytest.raises(IndexNotPublished):
        reader.search("vegan soup")
    assert "no index snapshot published" in caplog.text
    assert not (empty / ".lock").exists()  # it never opened QDRANT_PATH

    store = SnapshotStore(empty / "snapshots")
    store.publish(writer.index)
    assert reader.search("vegan soup", top_k=3)
    reader.snapshots.close()


def test_old_snapshots_are_pruned_but_the_current_one_stays(writer, tmp_path):
    store = SnapshotStore(tmp_path / "snapshots", keep=2)
    names = [store.publish(writer.index).name for _ in range(4)]
    kept = sorted(entry.name for entry in store.root.iterdir() if entry.is_dir())
    assert kept == names[-2:] and store.current().name == names[-1]
    assert json.loads(store.pointer.read_text())["points"] == writer.index.count()


def test_a_snapshot_of_another_model_is_not_opened(writer, tmp_path, caplog):
    store = SnapshotStore(tmp_path / "snapshots")
    store.publish(writer.index)
    reader = SnapshotReader(
        store,
        writer.index.collection,
        writer.embedder.dimension,
        model_id="another-model",
        check_seconds=0,
        workdir=str(tmp_path),
    )
    assert reader.refresh() is False and reader.snapshot is None
    assert "built with model" in caplog.text


def test_the_developer_chat_reads_the_published_snapshot_when_the_writer_holds_the_folder(
    writer, monkeypatch
):
    from llm.__main__ import _open_retriever

    writer.publish()
    monkeypatch.setenv("QDRANT_PATH", writer.index.path)
    monkeypatch.delenv("QDRANT_URL", raising=False)
    monkeypatch.delenv("RAG_INDEX_ROLE", raising=False)
    retriever = _open_retriever()
    assert retriever.snapshots is not None and retriever.search("gift cards", top_k=1)
    retriever.snapshots.close()


def test_a_reader_acknowledges_a_verified_menu_webhook_and_indexes_nothing():
    from datetime import datetime, timezone

    from rag.webhook import handle_menu_updated
    from tests.rag.helpers import WEBHOOK_SECRET
    from tests.rag.test_sync import signed

    body = json.dumps(
        {
            "type": "menu.updated",
            "timestamp": datetime.now(tz=timezone.utc).isoformat(),
            "data": {"item_ids": [3]},
        }
    )
    accepted = handle_menu_updated(signed(body), body, WEBHOOK_SECRET, None)
    assert (accepted.status, accepted.body) == (200, {"item_ids": [3], "indexed": False})
    assert (
        handle_menu_updated(
            {**signed(body), "webhook-signature": "v1,AAAA"}, body, WEBHOOK_SECRET, None
        ).status
        == 401
    )
