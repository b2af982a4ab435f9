"""Which 客户经理 a command works on: the names given (checked, close names suggested), --all,
or the only manager in the roster. One way for plan-week, monthly-report and flag."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from cmgr.errors import NotFound, UsageError
from cmgr.i18n import tr


def suggest(name: str, known: Sequence[str]) -> list[str]:
    """Known names containing, contained in, or close to `name`."""
    close = [k for k in known if name and (name in k or k in name)]
    close += [k for k in difflib.get_close_matches(name, list(known), n=5, cutoff=0.5)
              if k not in close]
    return close[:5]


def resolve_managers(db, names: Sequence[str], all_managers: bool, *,
                     known: Sequence[str] | None = None, all_hint: str = "--all") -> list[str]:
    """The managers to work on. `known` defaults to the roster's managers."""
    from cmgr.store.customers import managers

    known = list(managers(db) if known is None else known)
    names = [n.strip() for n in names if n and n.strip()]
    if all_managers and names:
        raise UsageError(tr("请给出 `--manager` 或 `--all`，不要两者都给"))
    if not known:
        raise NotFound(tr("客户名册中没有指定了客户经理的客户"),
                       hint=tr("请先导入客户名册：`cmgr import customers 文件`"))
    if all_managers:
        return known
    if not names:
        if len(known) == 1:
            return known
        shown = "、".join(known[:10])
        raise UsageError(tr("客户名册中有 {n} 位客户经理（{names}）", n=len(known), names=shown)
                         if len(known) <= 10 else
                         tr("客户名册中有 {n} 位客户经理（{names} 等，另有 {more} 位）", n=len(known),
                            names=shown, more=len(known) - 10),
                         hint=tr("用 `--manager 客户经理` 指定一位，或用 `{all}`", all=all_hint))
    out: list[str] = []
    for name in names:
        if name not in known:
            close = suggest(name, known)
            raise NotFound(tr("没有属于客户经理「{name}」的客户", name=name),
                           hint=(tr("是不是：{names}？", names="、".join(close)) if close
                                 else tr("已知的客户经理：{names}", names="、".join(known[:20]))))
        if name not in out:
            out.append(name)
    return out
