"""The ops read model can live on a database server of its own; every other service stays on theirs."""

from __future__ import annotations

from shared.settings import Settings


def test_the_read_model_alone_follows_its_own_server_when_one_is_given() -> None:
    shared = Settings(mongo_url="mongodb://pipeline:27017/")
    assert shared.mongo_url_for("ops") == shared.mongo_url_for("claims") == "mongodb://pipeline:27017/"
    apart = Settings(mongo_url="mongodb://pipeline:27017/", ops_mongo_url="mongodb://reads:27017/")
    assert (apart.mongo_url_for("ops"), apart.mongo_url_for("claims")) == (
        "mongodb://reads:27017/",
        "mongodb://pipeline:27017/",
    )
