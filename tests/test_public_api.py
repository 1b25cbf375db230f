"""The public surface is guarded against drift."""

from __future__ import annotations

import unspin
import unspin.errors
import unspin.report


def test_all_is_sorted_and_complete() -> None:
    for module in (unspin, unspin.errors, unspin.report):
        names = module.__all__
        assert names == sorted(names, key=lambda n: (not n.isupper(), n.lower() if False else n)) \
            or names == sorted(names)
        for name in names:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_every_error_has_its_own_code_and_comes_from_unspin_error() -> None:
    exported = [getattr(unspin.errors, n) for n in unspin.errors.__all__]
    classes = [c for c in exported if isinstance(c, type)]
    # Besides the errors, the module exports one function: the HTTP status of an error.
    assert [f.__name__ for f in exported if not isinstance(f, type)] == ["http_status"]
    assert all(issubclass(c, unspin.errors.UnspinError) for c in classes)
    codes = [c.code for c in classes]
    assert len(codes) == len(set(codes))


def test_errors_carry_context_into_their_json_shape() -> None:
    err = unspin.errors.RecordError("line 3 is not JSON", record="f:3")
    assert str(err) == "[E106] line 3 is not JSON"
    assert err.to_dict() == {"code": "E106", "type": "RecordError", "message": "line 3 is not JSON",
                             "context": {"record": "f:3"}}
