"""The plan as HTML (templates/plan_week.html): context and the per-day sketch maps.

A sketch map is inline SVG computed here: the start point and the day's customers projected
onto a plane (equirectangular around the start point, equal scale both ways), the tour as a
closed polyline, the customers as numbered points. No map tiles: it works offline and prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cmgr.core.routing import DISTANCE_NOTE, planar_xy
from cmgr.render.plan_sheets import SCHEDULE_HEADER, SIGNIN_HEADER, WORK_ITEMS

MAP_WIDTH = 360
MAP_HEIGHT = 260
MAP_MARGIN = 18


def sketch_map(day, start_point: tuple[float, float] | None) -> dict | None:
    """SVG geometry for one day, or None when the day has no visit with coordinates."""
    if start_point is None:
        return None
    stops = [v for v in day.visits if v.km_from_previous is not None and v.customer.has_coords]
    if not stops:
        return None
    xy = planar_xy([start_point] + [(v.customer.lon, v.customer.lat) for v in stops], start_point)
    xs, ys = [p[0] for p in xy], [p[1] for p in xy]
    span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
    inner_w, inner_h = MAP_WIDTH - 2 * MAP_MARGIN, MAP_HEIGHT - 2 * MAP_MARGIN
    scale = min(inner_w / span_x if span_x > 0 else float("inf"),
                inner_h / span_y if span_y > 0 else float("inf"))
    if scale == float("inf"):
        scale = 1.0
    off_x = MAP_MARGIN + (inner_w - span_x * scale) / 2
    off_y = MAP_MARGIN + (inner_h - span_y * scale) / 2

    def px(p: tuple[float, float]) -> tuple[float, float]:
        return (round(off_x + (p[0] - min(xs)) * scale, 1),
                round(MAP_HEIGHT - (off_y + (p[1] - min(ys)) * scale), 1))

    points = [px(p) for p in xy]
    # A scale bar of a round number of km, about a quarter of the width.
    km_per_px = 1 / scale if scale else 0
    bar_km = _round_km(km_per_px * inner_w / 4) if km_per_px else 0
    return {
        "width": MAP_WIDTH, "height": MAP_HEIGHT,
        "start": (round(points[0][0] - 5, 1), round(points[0][1] - 5, 1)),
        "stops": [{"x": x, "y": y, "text_y": round(y + 2.8, 1), "seq": v.seq,
                   "name": v.customer.name or v.customer.code}
                  for (x, y), v in zip(points[1:], stops, strict=True)],
        "path": " ".join(f"{x},{y}" for x, y in points + [points[0]]),
        "bar_km": bar_km, "bar_end": round(10 + bar_km * scale, 1) if bar_km else 10,
        "unmapped": len(day.visits) - len(stops),
    }


def _round_km(km: float) -> float:
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100):
        if km <= step * 1.5:
            return step
    return 100.0


def plan_context(plans: Sequence) -> dict:
    """What templates/plan_week.html sees (documented in docs/plan-week.md)."""
    out = []
    for plan in plans:
        days = []
        for day in plan.days:
            days.append({
                "date": day.date, "weekday": day.weekday_cn, "routes": day.routes, "km": day.km,
                "visits": [{
                    "seq": v.seq, "code": v.customer.code, "name": v.customer.name or "",
                    "address": v.customer.address or "", "phone": v.customer.phone or "",
                    "grade": v.customer.grade_text, "route": v.customer.route or "",
                    "kind": v.kind, "reasons": v.reasons,
                    "last_visit": v.customer.last_visit, "km": v.km_from_previous,
                } for v in day.visits],
                "map": sketch_map(day, plan.start_point),
            })
        out.append({
            "manager": plan.manager, "week": plan.week, "start": plan.start, "end": plan.end,
            "km": plan.km, "visits": len(plan.visits), "days": days,
            "pushed": [{"code": p.customer.code, "name": p.customer.name or "",
                        "next_due": p.next_due, "reason": p.reason} for p in plan.pushed],
            "not_planned": [{"code": p.customer.code, "name": p.customer.name or "",
                             "reason": p.reason} for p in plan.not_planned],
            "start_point": plan.start_point, "start_point_source": plan.start_point_source,
            "warnings": list(plan.warnings),
        })
    return {"plans": out, "schedule_header": SCHEDULE_HEADER, "signin_header": SIGNIN_HEADER,
            "work_items": WORK_ITEMS, "distance_note": DISTANCE_NOTE}


def render_plan_html(plans: Sequence, *, user_dir: str | Path | None = None) -> str:
    from cmgr.render.templates import render

    return render("plan_week.html", plan_context(plans), user_dir=user_dir)
