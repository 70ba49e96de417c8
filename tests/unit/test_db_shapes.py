"""Command shapes label a metric: field names and operators only, never a value (values can be PHI)."""

from __future__ import annotations

import pytest

from shared.db_shapes import command_shape


@pytest.mark.parametrize(
    ("name", "command", "shape"),
    [
        ("find", {"find": "claims", "filter": {"_id": "C-1"}}, "{_id=str}"),
        ("find", {"find": "claims", "filter": {}, "sort": {"_id": -1}}, "{} sort _id"),
        ("find", {"find": "interchanges", "filter": {"_id": 7}}, "{_id=int}"),
        ("find", {"filter": {"a": True, "b": None, "c": 1.5, "d": [1]}}, "{a=bool,b=null,c=double,d=array}"),
        ("find", {"find": "claims", "filter": {"_id": {"$in": ["a", "b"]}, "status": "paid"}}, "{_id:$in,status=str}"),
        ("update", {"updates": [{"q": {"_id": 1, "version": 3}, "u": {"$set": {"x": 1}}}]}, "{_id=int,version=int}"),
        ("delete", {"delete": "c", "deletes": [{"q": {"at": {"$gte": 1, "$lt": 2}}, "limit": 0}]}, "{at:$gte$lt}"),
        ("update", {"updates": [{"q": {"$or": [{"a": 1}, {"b": {"$lt": 2}}]}, "u": {}}]}, "{$or[{a=int},{b:$lt}]}"),
        ("aggregate", {"pipeline": [{"$match": {"a": 1}}, {"$group": {"_id": "$a"}}]}, "[$match,$group]"),
        ("insert", {"insert": "c", "documents": [{"_id": 1}]}, ""),
    ],
)
def test_shape_names_fields_and_operators(name: str, command: dict[str, object], shape: str) -> None:
    assert command_shape(name, command) == shape


def test_no_value_reaches_the_shape() -> None:
    secret = "DOE^JANE 1980-02-03 MEMBER-123"
    command = {"find": "c", "filter": {"member_id": secret, "name": {"$eq": secret}, "$or": [{"dob": secret}]}}
    assert secret not in command_shape("find", command)
    assert "MEMBER" not in command_shape("find", command)
