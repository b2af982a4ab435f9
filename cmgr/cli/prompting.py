"""Asking for what is missing: prompts on a terminal, an error naming the option in a script.

Interactive when stdin (and stderr) is a terminal. CMGR_INTERACTIVE=1 forces prompts (tests drive
them with typer's CliRunner input=...), CMGR_INTERACTIVE=0 never prompts. Prompts and pick lists go to
stderr, so stdout keeps only data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import typer

from cmgr.cli import common
from cmgr.errors import NotFound, UsageError
from cmgr.i18n import tr

T = TypeVar("T")
PICK_LIMIT = 20


def interactive() -> bool:
    """May cmgr ask? (common.is_interactive: a terminal, or CMGR_INTERACTIVE=1/0.)"""
    return common.is_interactive()


def _prompt(label: str, option: str, **kwargs: Any) -> Any:
    return common.prompt_or_fail(option, label, **kwargs)


def missing(option: str, what: str) -> UsageError:
    return UsageError(tr("缺少{what}：请给出 `{option}`", what=what, option=option),
                      hint=tr("在终端上 cmgr 会询问；在脚本中每一项都用选项给出"))


def ask(label: str, option: str, *, default: str | None = None, required: bool = True) -> str:
    """Prompt for a value on a terminal; without one, a missing required value is an error."""
    if not interactive():
        if required:
            raise missing(option, label)
        return default or ""
    while True:
        value = _prompt(label, option,
                        default=default if default is not None else ("" if not required else None),
                        show_default=bool(default))
        value = str(value).strip()
        if value or not required:
            return value
        common.err_console.print(tr("{label}不能为空", label=label))


def ask_parsed(label: str, option: str, parse: Callable[[str], T], given: str | None, *,
               default: str | None = None, required: bool = True) -> T | None:
    """`given` parsed; on a terminal a bad or missing value is asked again, in a script it fails."""
    if given is not None and str(given).strip():
        if not interactive():
            return parse(given)
        try:
            return parse(given)
        except UsageError as exc:
            common.err_console.print(f"[red]{common.escape(exc.message)}[/red]")
    while True:
        text = ask(label, option, default=default, required=required)
        if not text and not required:
            return None
        try:
            return parse(text)
        except UsageError as exc:
            common.err_console.print(f"[red]{common.escape(exc.message)}[/red]")


def pick(items: list[T], describe: Callable[[T], str], *, what: str) -> T | None:
    """A numbered list on stderr; returns the chosen item, or None to search again (0)."""
    shown = items[:PICK_LIMIT]
    for i, item in enumerate(shown, start=1):
        common.err_console.print(f"  {i:>2}. {common.escape(describe(item))}")
    if len(items) > PICK_LIMIT:
        common.err_console.print(tr("  …… 超过 {n} 个；输入 0，再多输入一些名称", n=PICK_LIMIT))
    while True:
        text = _prompt(tr("选择{what}（1-{n}，0 = 重新输入）", what=what, n=len(shown)),
                       tr("{what}的序号", what=what))
        text = str(text).strip()
        if text.isdigit() and 0 <= int(text) <= len(shown):
            return None if int(text) == 0 else shown[int(text) - 1]
        common.err_console.print(tr("请输入 0 到 {n} 之间的数字", n=len(shown)))


def _no_single_match(option: str, text: str, matches: list, describe: Callable[[Any], str],
                     what: str, none_found: Exception, *, hint: str) -> Exception:
    """In a script, no match or several: `none_found`, or an error listing the first ten."""
    if not matches:
        return none_found
    listed = tr("；").join(describe(m) for m in matches[:10])
    if len(matches) > 10:
        listed = tr("{listed}；另有 {n} 个", listed=listed, n=len(matches) - 10)
    return UsageError(tr("`{option}` {text} 匹配到 {n} 个{what}：{listed}", option=option,
                         text=repr(text), n=len(matches), what=what, listed=listed), hint=hint)


def describe_customer(c: dict) -> str:
    from cmgr.domain import is_active

    status = c.get("status")
    extra = "" if is_active(status) else f" [{status}]"
    return (f"{c['customer_code']}  {c.get('customer_name') or ''}  {c.get('address') or ''}"
            f"{extra}").rstrip()


def choose_customer(db, text: str | None, *, option: str = "--customer") -> dict:
    """A customer by code or by part of the name; several matches: a pick list on a terminal,
    an error listing them in a script."""
    from cmgr.store.customers import find_customers

    while True:
        if text is None or not text.strip():
            text = ask(tr("客户（编码或名称的一部分）"), option)
        matches = find_customers(db, text)
        if len(matches) == 1:
            return matches[0]
        if not interactive():
            raise _no_single_match(
                option, text, matches, describe_customer, tr("客户"),
                NotFound(tr("没有与 {text} 匹配的客户（`{option}`）", text=repr(text), option=option),
                         hint=tr("给出客户编码，或客户名册中名称的一部分")),
                hint=tr("给出客户编码"))
        if not matches:
            common.err_console.print(tr("没有找到与“{text}”匹配的客户", text=common.escape(text)))
        else:
            common.err_console.print(tr("“{text}”匹配到 {n} 个客户：", text=common.escape(text),
                                        n=len(matches)))
            chosen = pick(matches, describe_customer, what=tr("客户"))
            if chosen is not None:
                return chosen
        text = None


def describe_sku(s: dict) -> str:
    ordered = tr("  （该户订过 {qty} 条）", qty=f"{s['ordered']:g}") if s.get("ordered") else ""
    return f"{s['sku_code']}  {s.get('sku_name') or ''}{ordered}"


def choose_sku(db, text: str | None, *, customer_code: str | None, option: str = "--sku",
               as_typed: bool = False, required: bool = True) -> dict | None:
    """A cigarette by code or name from the price list and order history. Not found: in a
    script an error unless `as_typed`; on a terminal the choice to keep it as typed."""
    from cmgr.store.complaints import find_skus

    while True:
        if text is None or not text.strip():
            text = ask(tr("卷烟（编码或名称）"), option, required=required)
            if not text:
                return None
        matches = find_skus(db, text, customer_code=customer_code)
        if len(matches) == 1:
            return matches[0]
        if not matches and as_typed:
            common.warn(tr("卷烟 {text} 不在价格表和订单记录中；按输入的名称记录", text=repr(text)))
            return {"sku_code": None, "sku_name": text.strip(), "ordered": 0.0}
        if not interactive():
            raise _no_single_match(
                option, text, matches, describe_sku, tr("品规"),
                NotFound(tr("价格表和订单记录中没有与 {text} 匹配的卷烟（`{option}`）",
                            text=repr(text), option=option),
                         hint=tr("给出卷烟编码，导入价格表，或加上 `--sku-as-typed` 按所写名称记录")),
                hint=tr("给出卷烟编码或完整名称"))
        if not matches:
            common.err_console.print(tr("价格表和订单中没有“{text}”", text=common.escape(text)))
            keep = typer.confirm(tr("按输入的名称记录？"), default=False, err=True)
            if keep:
                return {"sku_code": None, "sku_name": text.strip(), "ordered": 0.0}
        else:
            common.err_console.print(tr("“{text}”匹配到 {n} 个品规：", text=common.escape(text),
                                        n=len(matches)))
            chosen = pick(matches, describe_sku, what=tr("品规"))
            if chosen is not None:
                return chosen
        text = None


def choose(label: str, option: str, given: str | None, choices: dict[str, str], *,
           default: str) -> str:
    """A value from a small set, accepting the aliases in `choices` (alias -> value)."""
    def parse(text: str) -> str:
        key = text.strip()
        if key in choices:
            return choices[key]
        raise UsageError(tr("`{option}` 应为 {choices} 之一；收到 {text}", option=option,
                            choices=tr("、").join(dict.fromkeys(choices)), text=repr(text)))

    if given is None and not interactive():
        return choices[default]
    value: Any = ask_parsed(label, option, parse, given, default=default)
    return value
