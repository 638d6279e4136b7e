"""The mocks of mode.testing (the original mode.utils.mocks)."""

from __future__ import annotations

import asyncio
import builtins
import importlib
import sys
import unittest.mock
from typing import Any

import pytest

import mode.utils.mocks
from mode.testing import (
    ANY,
    IN,
    MOCK_CALL_COUNT,
    AsyncContextManagerMock,
    AsyncContextMock,
    AsyncMagicMock,
    AsyncMock,
    ContextMock,
    FutureMock,
    MagicMock,
    Mock,
    call,
    mask_module,
    patch,
    patch_module,
)

# -- re-exports -------------------------------------------------------------


def test_stdlib_names_are_the_stdlib_objects() -> None:
    assert ANY is unittest.mock.ANY
    assert call is unittest.mock.call
    assert patch is unittest.mock.patch
    assert MagicMock is unittest.mock.MagicMock


def test_original_import_path_gives_the_same_objects() -> None:
    for name in ("AsyncMock", "Mock", "IN", "patch_module", "MOCK_CALL_COUNT"):
        assert getattr(mode.utils.mocks, name) is getattr(
            importlib.import_module("mode.testing"), name
        )


def test_call_builds_comparable_calls() -> None:
    m = Mock()
    m(1, x=2)
    assert m.call_args == call(1, x=2)
    assert call.__doc__  # the 3.8 docstring bug the original patched is gone


# -- IN ---------------------------------------------------------------------


def test_in_equals_any_alternative() -> None:
    assert IN(1, 2) == 1
    assert IN(1, 2) == 2
    assert not (IN(1, 2) == 3)  # noqa: SIM201 - __eq__ itself
    assert IN(1, 2) == 2


def test_in_not_equal_is_the_negation() -> None:
    assert IN(1, 2) != 3
    assert not (IN(1, 2) != 1)  # noqa: SIM202 - __ne__ itself


def test_in_repr_joins_alternatives() -> None:
    assert repr(IN("a", "b")) == "<IN: a | b>"
    assert repr(IN()) == "<IN: >"


def test_in_works_inside_mock_assertions() -> None:
    m = Mock()
    m("b")
    m.assert_called_once_with(IN("a", "b"))
    with pytest.raises(AssertionError):
        m.assert_called_once_with(IN("x", "y"))


def test_in_is_unhashable() -> None:
    with pytest.raises(TypeError):
        hash(IN(1))


# -- Mock: global call ordering --------------------------------------------


def test_mock_numbers_calls_in_global_order() -> None:
    a, b = Mock(), Mock()
    assert a.global_call_count is None
    assert a.call_counts == []
    b()
    a()
    b()
    assert b.call_counts[0] < a.call_counts[0] < b.call_counts[1]
    assert b.global_call_count == b.call_counts[-1]
    assert a.global_call_count == a.call_counts[0]


def test_mock_numbers_come_from_mock_call_count() -> None:
    m = Mock()
    m()
    (count,) = m.call_counts
    assert next(MOCK_CALL_COUNT) > count


def test_mock_children_are_numbered_too() -> None:
    m = Mock()
    m.child()
    m()
    assert m.child.call_counts[0] < m.call_counts[0]
    assert isinstance(m.child, Mock)
    assert isinstance(m.return_value, Mock)


def test_mock_call_is_numbered_even_if_side_effect_raises() -> None:
    m = Mock(side_effect=KeyError("k"))
    with pytest.raises(KeyError):
        m()
    assert len(m.call_counts) == 1
    assert m.call_count == 1


def test_mock_reset_clears_numbers() -> None:
    m = Mock(return_value=3)
    m()
    m.reset_mock()
    assert m.call_counts == []
    assert m.global_call_count is None
    assert m.call_count == 0
    assert m() == 3


def test_mock_with_spec_set_still_numbers_calls() -> None:
    def func(x: int) -> int:
        return x

    m = Mock(spec_set=func)
    m(1)
    assert len(m.call_counts) == 1
    with pytest.raises(AttributeError):
        m.unknown = 1


def test_mock_is_a_unittest_mock() -> None:
    m = Mock(return_value=1)
    assert isinstance(m, unittest.mock.Mock)
    assert m(2) == 1
    m.assert_called_once_with(2)


# -- AsyncMock ----------------------------------------------------------------


async def test_async_mock_kwargs_configure_coro() -> None:
    m = AsyncMock(return_value=1)
    assert m.coro.return_value == 1
    assert m.return_value == 1
    assert await m(2, x=3) == 1
    m.coro.assert_called_once_with(2, x=3)


async def test_async_mock_standard_assertions() -> None:
    m = AsyncMock(return_value="v")
    coro = m(1)
    m.assert_called_once_with(1)
    m.assert_not_awaited()
    m.coro.assert_not_called()  # .coro runs when the call is awaited
    assert await coro == "v"
    m.assert_awaited_once_with(1)
    assert m.await_count == 1
    assert m.await_args == call(1)
    assert m.await_args_list == [call(1)]
    m.coro.assert_called_once_with(1)


async def test_async_mock_is_recognised_as_a_coroutine_function() -> None:
    import inspect

    m = AsyncMock()
    assert inspect.iscoroutinefunction(m)
    assert isinstance(m, unittest.mock.AsyncMock)
    c = m()
    assert asyncio.iscoroutine(c)
    await c


async def test_async_mock_return_value_is_coro_return_value() -> None:
    m = AsyncMock()
    m.return_value = 5
    assert m.coro.return_value == 5
    assert await m() == 5
    m.coro.return_value = 6
    assert m.return_value == 6
    assert await m() == 6


async def test_async_mock_default_result_is_coro_child() -> None:
    m = AsyncMock()
    assert await m() is m.coro.return_value


async def test_async_mock_side_effect_exception() -> None:
    m = AsyncMock(side_effect=KeyError("x"))
    assert isinstance(m.side_effect, KeyError)
    with pytest.raises(KeyError):
        await m()
    m.assert_awaited_once()


async def test_async_mock_side_effect_set_later_goes_to_coro() -> None:
    m = AsyncMock()
    m.side_effect = ValueError
    assert m.coro.side_effect is ValueError
    with pytest.raises(ValueError):
        await m()


async def test_async_mock_side_effect_iterable_then_stop_async_iteration() -> None:
    m = AsyncMock(side_effect=[1, 2])
    assert await m() == 1
    assert await m() == 2
    with pytest.raises(StopAsyncIteration):
        await m()


async def test_async_mock_side_effect_function_and_coroutine_function() -> None:
    m = AsyncMock(side_effect=lambda x: x * 2)
    assert await m(2) == 4

    async def double(x: int) -> int:
        await asyncio.sleep(0)
        return x * 2

    m.side_effect = double
    assert await m(21) == 42


async def test_async_mock_spec_goes_to_coro() -> None:
    class Conn:
        def send(self) -> None: ...

    m = AsyncMock(Conn)
    with pytest.raises(AttributeError):
        m.coro.unknown  # noqa: B018
    m.coro.send()
    assert isinstance(m.coro, Conn)


async def test_async_mock_records_coro_calls_in_mock_calls() -> None:
    m = AsyncMock(name="m")
    await m(1)
    assert m.mock_calls == [call(1), call.coro(1)]


async def test_async_mock_reset_resets_coro() -> None:
    m = AsyncMock(return_value=1)
    await m()
    m.reset_mock(return_value=True)
    assert m.await_count == 0
    m.coro.assert_not_called()
    assert m.return_value is not 1  # noqa: F632 - identity on purpose


async def test_async_mock_coro_numbers_calls() -> None:
    first, second = AsyncMock(), AsyncMock()
    await second()
    await first()
    assert second.coro.call_counts[0] < first.coro.call_counts[0]


async def test_async_mock_works_with_patch() -> None:
    class Target:
        async def fetch(self) -> int:
            return 0

    with patch.object(Target, "fetch", new_callable=AsyncMock, return_value=7) as m:
        assert await Target().fetch() == 7
    m.coro.assert_called_once_with()


async def test_async_magic_mock_coro_is_a_magic_mock() -> None:
    m = AsyncMagicMock(return_value=2)
    assert isinstance(m.coro, MagicMock)
    assert len(m.coro) == 0
    assert await m() == 2


# -- AsyncContextManagerMock ------------------------------------------------


async def test_async_context_mock_alias() -> None:
    assert AsyncContextMock is AsyncContextManagerMock


async def test_async_context_mock_enters_with_aenter_return() -> None:
    m = AsyncContextManagerMock(aenter_return="conn")
    async with m as value:
        assert value == "conn"
    m.__aenter__.assert_awaited_once()
    m.__aexit__.assert_awaited_once_with(None, None, None)


async def test_async_context_mock_enters_with_return_value() -> None:
    m = AsyncContextManagerMock(return_value="rv")
    async with m as value:
        assert value == "rv"


async def test_async_context_mock_gives_coro_of_async_mock() -> None:
    inner = AsyncMock()
    m = AsyncContextManagerMock(aenter_return=inner)
    async with m as value:
        assert value is inner.coro


async def test_async_context_mock_side_effect_exception_raises_on_enter() -> None:
    m = AsyncContextManagerMock(side_effect=ConnectionError("down"))
    with pytest.raises(ConnectionError):
        async with m:
            pass  # pragma: no cover
    m2 = AsyncContextManagerMock(side_effect=ConnectionError)
    with pytest.raises(ConnectionError):
        async with m2:
            pass  # pragma: no cover


async def test_async_context_mock_side_effect_callable_gives_value() -> None:
    m = AsyncContextManagerMock(side_effect=lambda: "made")
    async with m as value:
        assert value == "made"

    async def make() -> str:
        return "async made"

    m.side_effect = make
    async with m as value:
        assert value == "async made"


async def test_async_context_mock_aexit_return_suppresses() -> None:
    async def use(m: AsyncContextManagerMock) -> None:
        async with m:
            raise KeyError("in the block")

    m = AsyncContextManagerMock(aexit_return=True)
    await use(m)  # suppressed
    m.aexit_return = False
    with pytest.raises(KeyError):
        await use(m)


async def test_async_context_mock_attributes_read_at_enter() -> None:
    m = AsyncContextManagerMock()
    m.aenter_return = 9
    async with m as value:
        assert value == 9


async def test_async_context_mock_children_are_async_context_mocks() -> None:
    m = AsyncContextManagerMock()
    async with m.session() as value:
        assert value is m.session.return_value.return_value


# -- ContextMock ------------------------------------------------------------


def test_context_mock_enter_returns_itself() -> None:
    m = ContextMock()
    with m as value:
        assert value is m
    m.__enter__.assert_called_once_with()
    m.__exit__.assert_called_once_with(None, None, None)


def test_context_mock_does_not_suppress() -> None:
    m = ContextMock()
    with pytest.raises(KeyError), m:
        raise KeyError()


def test_context_mock_children_are_context_mocks() -> None:
    m = ContextMock(name="lock")
    with m.child as value:
        assert value is m.child
    with m() as value:
        assert value is m.return_value
    assert isinstance(m.child, ContextMock)


# -- FutureMock -------------------------------------------------------------


async def test_future_mock_await_returns_call_result() -> None:
    m = FutureMock(return_value=3)
    m.assert_not_awaited()
    assert await m == 3
    assert m.awaited is True
    m.assert_awaited()
    m.assert_called_once_with()


async def test_future_mock_assertions_fail() -> None:
    m = FutureMock()
    with pytest.raises(AssertionError, match="to have been awaited"):
        m.assert_awaited()
    await m
    with pytest.raises(AssertionError, match="to not have been awaited"):
        m.assert_not_awaited()


async def test_future_mock_side_effect_raises_on_await() -> None:
    m = FutureMock(side_effect=KeyError("k"))
    with pytest.raises(KeyError):
        await m


async def test_future_mock_works_with_asyncio_functions() -> None:
    m = FutureMock(return_value="r")
    assert await asyncio.wait_for(m, timeout=10) == "r"


def test_future_mock_needs_no_loop() -> None:
    m = FutureMock()  # no loop running, none looked up
    assert not m.awaited
    m.reset_mock()
    assert not m.awaited


async def test_future_mock_reset_clears_awaited() -> None:
    m = FutureMock()
    await m
    m.reset_mock()
    assert not m.awaited


# -- mask_module --------------------------------------------------------------


def test_mask_module_blocks_import() -> None:
    with mask_module("json"):
        with pytest.raises(ImportError, match="No module named json"):
            import json
        with pytest.raises(ModuleNotFoundError):
            from json import dumps  # noqa: F401
    import json

    assert json.dumps(1) == "1"


def test_mask_module_blocks_submodules_but_not_others() -> None:
    with mask_module("email"):
        with pytest.raises(ImportError) as exc_info:
            import email.mime  # noqa: F401
        assert exc_info.value.name == "email.mime"
        import json  # noqa: F401


def test_mask_module_restores_import_after_error() -> None:
    real = builtins.__import__
    with pytest.raises(RuntimeError), mask_module("json"):
        raise RuntimeError()
    assert builtins.__import__ is real


def test_mask_module_allows_relative_imports() -> None:
    with mask_module("mocks"):
        # a relative import of a module named like a masked one still works
        exec(
            "from . import mocks",
            {"__name__": "mode.testing.x", "__package__": "mode.testing"},
        )


def test_mask_module_rejects_bad_names() -> None:
    with pytest.raises(TypeError, match="module names"), mask_module("", "x"):
        pass  # pragma: no cover
    with pytest.raises(TypeError), mask_module(3):  # type: ignore[arg-type]
        pass  # pragma: no cover


# -- patch_module -----------------------------------------------------------


def test_patch_module_creates_mock_attributes() -> None:
    assert "mode_fake_mod" not in sys.modules
    with patch_module("mode_fake_mod") as (mod,):
        import mode_fake_mod  # type: ignore[import-not-found]

        assert mode_fake_mod is mod
        assert isinstance(mode_fake_mod.thing, MagicMock)
        assert mode_fake_mod.thing is mode_fake_mod.thing
        from mode_fake_mod import other

        other(1)
        mod.other.assert_called_once_with(1)
    assert "mode_fake_mod" not in sys.modules


def test_patch_module_restores_existing_module() -> None:
    import json

    with patch_module("json") as (fake,):
        assert sys.modules["json"] is fake
        assert isinstance(fake.dumps, MagicMock)
    assert sys.modules["json"] is json


def test_patch_module_links_patched_submodules() -> None:
    with patch_module("mode_fake_pkg", "mode_fake_pkg.sub") as (pkg, sub):
        import mode_fake_pkg.sub  # type: ignore[import-not-found]

        assert mode_fake_pkg is pkg
        assert mode_fake_pkg.sub is sub
        from mode_fake_pkg.sub import x

        assert x is sub.x
    assert "mode_fake_pkg.sub" not in sys.modules


def test_patch_module_new_callable() -> None:
    with patch_module("mode_fake_mod", new_callable=Mock) as (mod,):
        assert type(mod.x).__mro__[1] is Mock


def test_patch_module_does_not_mock_dunders() -> None:
    with patch_module("mode_fake_mod") as (mod,):
        assert not hasattr(mod, "__path__")
        assert not hasattr(mod, "__file__")
        with pytest.raises(AttributeError, match="no attribute '__all__'"):
            mod.__all__  # noqa: B018


def test_patch_module_restores_after_error() -> None:
    with pytest.raises(RuntimeError), patch_module("mode_fake_mod"):
        raise RuntimeError()
    assert "mode_fake_mod" not in sys.modules


def test_patch_module_rejects_bad_names() -> None:
    bad: Any = None
    with pytest.raises(TypeError, match="patch_module"), patch_module(bad):
        pass  # pragma: no cover
