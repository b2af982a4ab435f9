"""Which 客户经理 a command works on: the names given (checked, close names suggested), --all,
or the only manager in the roster. One way for plan-week, monthly-report and flag."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from cmgr.errors import NotFound, UsageError


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
        raise UsageError("give --manager or --all, not both")
    if not known:
        raise NotFound("the roster has no customers with a 客户经理",
                       hint="import the customer roster first: cmgr import customers FILE")
    if all_managers:
        return known
    if not names:
        if len(known) == 1:
            return known
        shown = "、".join(known[:10]) + (f" and {len(known) - 10} more" if len(known) > 10 else "")
        raise UsageError(f"the roster has {len(known)} managers ({shown})",
                         hint=f"name one with --manager NAME, or use {all_hint}")
    out: list[str] = []
    for name in names:
        if name not in known:
            close = suggest(name, known)
            raise NotFound(f"no customers belong to manager {name!r}",
                           hint=(f"did you mean {'、'.join(close)}?" if close
                                 else f"known managers: {'、'.join(known[:20])}"))
        if name not in out:
            out.append(name)
    return out
