"""A week's visits as daily tours: a small vehicle-routing problem (VRP).

Days are the vehicles, visits per day the capacity, every visit is mandatory, and a visit may be
restricted to some days (its route's usual weekday; the days a twice-weekly customer is not
already seen). Each day is a closed tour from the manager's start point and back.

Two solvers, both on the same `RoutingProblem`:

- `solve_heuristic`: fixed visits on their day, the free ones by sweep or cheapest insertion,
  then local search (2-opt and or-opt inside a day; relocate, swap and 2-opt* between days,
  restricted to each visit's nearest neighbours) and a fixed number of ruin-and-recreate rounds.
  Pure Python and deterministic (a fixed random seed, counted rounds, never a clock): the same
  instance gives the same tours byte for byte, which the plan's CSV/JSON promise needs.
- `solve_ortools`: Google OR-Tools' routing library (guided local search) with distances as a
  transit matrix in whole metres, started from the heuristic's tours. Time-limited, so its result
  can vary between runs; used when `plan.solver_seconds` > 0 and by bench/bench_plan.py.

Distances are straight-line (haversine) kilometres: there is no road network offline.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
# What the plan's km are, as the documents say it.
DISTANCE_NOTE = "直线距离（haversine 球面距离，非道路里程），公里；每天从起点出发并回到起点"
_EPS = 1e-9
_NEIGHBOURS = 12  # granular neighbourhood: moves between days look at this many nearest visits
# Ruin-and-recreate rounds after the first local search. Measured on the sample territory and
# on 300-customer territories (bench/bench_plan.py): 100 rounds take 0.1-0.4 s for a week of
# 125-200 visits and land within 1% of OR-Tools given 10 s; more rounds gain little.
DEFAULT_ROUNDS = 100
_SWAP_STAR_ALL_PAIRS = 40  # up to this many visits free to change day, swap* tries every pair


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_matrix(points: Sequence[tuple[float, float]]) -> list[list[float]]:
    """Haversine km between every pair of (lon, lat) points."""
    rad = [(math.radians(lon), math.radians(lat)) for lon, lat in points]
    cos = [math.cos(lat) for _, lat in rad]
    n = len(points)
    out = [[0.0] * n for _ in range(n)]
    diameter = 2 * EARTH_RADIUS_KM
    for i in range(n):
        li, pi, ci = rad[i][0], rad[i][1], cos[i]
        row = out[i]
        for j in range(i + 1, n):
            lj, pj = rad[j]
            a = math.sin((pj - pi) / 2) ** 2 + ci * cos[j] * math.sin((lj - li) / 2) ** 2
            d = diameter * math.asin(min(1.0, math.sqrt(a)))
            row[j] = d
            out[j][i] = d
    return out


def planar_xy(points: Sequence[tuple[float, float]], origin: tuple[float, float]
              ) -> list[tuple[float, float]]:
    """(lon, lat) -> km east and north of `origin` (equirectangular; fine within a city)."""
    lon0, lat0 = origin
    kx = math.radians(1) * EARTH_RADIUS_KM * math.cos(math.radians(lat0))
    ky = math.radians(1) * EARTH_RADIUS_KM
    return [((lon - lon0) * kx, (lat - lat0) * ky) for lon, lat in points]


@dataclass
class RoutingProblem:
    """Node 0 is the start point; nodes 1..n are visits.

    `allowed[v]` is a bit mask of the days visit v may go on (bit d = day d); `group[v]` is -1,
    or an id shared by visits that must fall on different days (one customer's visits in a
    week); `capacity[d]` is how many visits day d takes.
    """

    dist: list[list[float]]
    capacity: list[int]
    allowed: list[int]
    group: list[int]
    xy: list[tuple[float, float]] | None = None  # planar km, for the sweep construction

    @property
    def n_days(self) -> int:
        return len(self.capacity)

    @property
    def n_nodes(self) -> int:
        return len(self.dist)


def route_km(dist: list[list[float]], route: Sequence[int]) -> float:
    """A closed tour's length: start point, the visits in order, back to the start point."""
    if not route:
        return 0.0
    total = dist[0][route[0]] + dist[route[-1]][0]
    for a, b in zip(route, route[1:], strict=False):
        total += dist[a][b]
    return total


def total_km(dist: list[list[float]], routes: Sequence[Sequence[int]]) -> float:
    return sum(route_km(dist, r) for r in routes)


class Infeasible(Exception):
    """Some visits fit on no allowed day (capacity or day conflicts); carries their nodes."""

    def __init__(self, nodes: list[int]) -> None:
        super().__init__(f"{len(nodes)} visit(s) fit on no allowed day")
        self.nodes = nodes


# --- the heuristic ------------------------------------------------------------------------------

def _neighbours(dist: list[list[float]], k: int) -> list[list[int]]:
    """Each visit's k nearest other visits (ties by node number, for determinism)."""
    n = len(dist)
    near: list[list[int]] = [[] for _ in range(n)]
    for v in range(1, n):
        row = dist[v]
        near[v] = sorted((u for u in range(1, n) if u != v), key=lambda u: (row[u], u))[:k]
    return near


class _Search:
    def __init__(self, p: RoutingProblem, near: list[list[int]]) -> None:
        self.p = p
        self.d = p.dist
        self.near = near
        self.routes: list[list[int]] = [[] for _ in range(p.n_days)]
        self.route_of = [-1] * p.n_nodes
        self.pos = [0] * p.n_nodes
        self.movable = [v for v in range(1, p.n_nodes) if p.allowed[v] & (p.allowed[v] - 1)]

    # -- bookkeeping
    def set_routes(self, routes: list[list[int]]) -> None:
        self.routes = [list(r) for r in routes]
        for d in range(len(self.routes)):
            self._index(d)

    def _index(self, day: int) -> None:
        for i, v in enumerate(self.routes[day]):
            self.route_of[v] = day
            self.pos[v] = i

    def cost(self) -> float:
        return total_km(self.d, self.routes)

    def _group_ok(self, v: int, day: int, ignore: int = -1) -> bool:
        g = self.p.group[v]
        if g < 0:
            return True
        grp = self.p.group
        return not any(grp[u] == g and u != ignore for u in self.routes[day])

    # -- construction
    def insert_cheapest(self, nodes: Sequence[int]) -> list[int]:
        """Insert `nodes` in this order, each where it costs least; return those that fit nowhere."""
        d, p = self.d, self.p
        left = []
        for v in nodes:
            best = None
            for day, route in enumerate(self.routes):
                if not (p.allowed[v] >> day) & 1 or len(route) >= p.capacity[day]:
                    continue
                if not self._group_ok(v, day):
                    continue
                prev = 0
                for i in range(len(route) + 1):
                    nxt = route[i] if i < len(route) else 0
                    c = d[prev][v] + d[v][nxt] - d[prev][nxt]
                    if best is None or c < best[0] - _EPS:
                        best = (c, day, i)
                    prev = nxt
            if best is None:
                left.append(v)
                continue
            _, day, i = best
            self.routes[day].insert(i, v)
            self._index(day)
        return left

    def repair(self, left: Sequence[int]) -> list[int]:
        """Make room for visits that fit nowhere (every day they may go on is full, or holds the
        same customer): move one visit out of such a day to a day with room, then insert.
        Returns the visits that still fit nowhere."""
        p, d = self.p, self.d
        still = []
        for v in left:
            best = None
            for day in range(p.n_days):
                if not (p.allowed[v] >> day) & 1 or not self._group_ok(v, day):
                    continue
                route = self.routes[day]
                for u in route:
                    pu, nu = self._prev(u), self._next(u)
                    out_gain = d[pu][u] + d[u][nu] - d[pu][nu]
                    for other in range(p.n_days):
                        if (other == day or len(self.routes[other]) >= p.capacity[other]
                                or not (p.allowed[u] >> other) & 1 or not self._group_ok(u, other)):
                            continue
                        cu, at_u = self._best_insertion(u, self.routes[other], -1)
                        cv, at_v = self._best_insertion(v, route, u)
                        cost = cu + cv - out_gain
                        if best is None or cost < best[0] - _EPS:
                            best = (cost, day, u, other, at_u, at_v)
            if best is None:
                still.append(v)
                continue
            _, day, u, other, at_u, at_v = best
            self.routes[other].insert(at_u, u)
            rest = [x for x in self.routes[day] if x != u]
            rest.insert(at_v, v)
            self.routes[day] = rest
            self._index(day)
            self._index(other)
        return still

    def sweep(self, free: list[int], start: int) -> list[int]:
        """Fill the days in order with free visits sorted by angle around the start point."""
        p = self.p
        xy = p.xy
        ordered = sorted(free, key=lambda v: (math.atan2(xy[v][1], xy[v][0]), v))
        ordered = ordered[start:] + ordered[:start]
        left = []
        day = 0
        for v in ordered:
            placed = False
            while day < p.n_days:
                if (len(self.routes[day]) < p.capacity[day] and (p.allowed[v] >> day) & 1
                        and self._group_ok(v, day)):
                    self.routes[day].append(v)
                    placed = True
                    break
                if len(self.routes[day]) >= p.capacity[day]:
                    day += 1
                    continue
                break
            if not placed:
                left.append(v)
        for dd in range(p.n_days):
            self._index(dd)
        return self.insert_cheapest(left)

    # -- inside one day
    def two_opt(self, day: int) -> bool:
        d = self.d
        route = self.routes[day]
        seq = [0, *route, 0]
        m = len(seq)
        improved_any = False
        improved = True
        while improved:
            improved = False
            for i in range(1, m - 2):
                a, b = seq[i - 1], seq[i]
                dab = d[a][b]
                row_a = d[a]
                for j in range(i + 1, m - 1):
                    c, e = seq[j], seq[j + 1]
                    delta = row_a[c] + d[b][e] - dab - d[c][e]
                    if delta < -_EPS:
                        seq[i:j + 1] = seq[i:j + 1][::-1]
                        improved = improved_any = True
                        a, b = seq[i - 1], seq[i]
                        dab = d[a][b]
        if improved_any:
            self.routes[day] = seq[1:-1]
            self._index(day)
        return improved_any

    def or_opt(self, day: int) -> bool:
        """Move a run of 1-3 visits elsewhere in the same day, either way round."""
        d = self.d
        improved_any = False
        improved = True
        while improved:
            improved = False
            seq = [0, *self.routes[day], 0]
            m = len(seq)
            for length in (1, 2, 3):
                for i in range(1, m - length):
                    j = i + length - 1  # segment seq[i..j]
                    if j >= m - 1:
                        break
                    a, s0, s1, b = seq[i - 1], seq[i], seq[j], seq[j + 1]
                    gain = d[a][s0] + d[s1][b] - d[a][b]
                    rest = seq[:i] + seq[j + 1:]
                    best = None
                    for k in range(len(rest) - 1):
                        u, w = rest[k], rest[k + 1]
                        if k == i - 1:
                            continue  # the place it came from
                        fwd = d[u][s0] + d[s1][w] - d[u][w]
                        rev = d[u][s1] + d[s0][w] - d[u][w]
                        c, reverse = (fwd, False) if fwd <= rev else (rev, True)
                        if c - gain < -_EPS and (best is None or c < best[0]):
                            best = (c, k, reverse)
                    if best is not None:
                        _, k, reverse = best
                        seg = seq[i:j + 1]
                        if reverse:
                            seg.reverse()
                        seq = rest[:k + 1] + seg + rest[k + 1:]
                        self.routes[day] = seq[1:-1]
                        improved = improved_any = True
                        break
                if improved:
                    break
        if improved_any:
            self._index(day)
        return improved_any

    def intra(self, day: int) -> None:
        self.two_opt(day)
        while self.or_opt(day) and self.two_opt(day):
            pass

    # -- between days
    def _prev(self, v: int) -> int:
        i = self.pos[v]
        return self.routes[self.route_of[v]][i - 1] if i > 0 else 0

    def _next(self, v: int) -> int:
        r = self.routes[self.route_of[v]]
        i = self.pos[v]
        return r[i + 1] if i + 1 < len(r) else 0

    def inter_pass(self) -> set[int]:
        """One pass of relocate, swap and 2-opt* moves; return the days changed."""
        d, p = self.d, self.p
        changed: set[int] = set()
        for v in range(1, p.n_nodes):
            A = self.route_of[v]
            if A < 0:
                continue
            pv, nv = self._prev(v), self._next(v)
            remove_gain = d[pv][v] + d[v][nv] - d[pv][nv]
            for y in self.near[v]:
                B = self.route_of[y]
                if B == A or B < 0:
                    continue
                v_fits_B = (p.allowed[v] >> B) & 1
                py, ny = self._prev(y), self._next(y)
                # relocate v next to y
                if v_fits_B and len(self.routes[B]) < p.capacity[B] and self._group_ok(v, B):
                    after = d[y][v] + d[v][ny] - d[y][ny]
                    before = d[py][v] + d[v][y] - d[py][y]
                    c, at = (after, self.pos[y] + 1) if after <= before else (before, self.pos[y])
                    if c - remove_gain < -_EPS:
                        self.routes[A].pop(self.pos[v])
                        self.routes[B].insert(at, v)
                        self._index(A)
                        self._index(B)
                        changed.update((A, B))
                        break
                # swap v and y
                if (v_fits_B and (p.allowed[y] >> A) & 1 and self._group_ok(v, B, ignore=y)
                        and self._group_ok(y, A, ignore=v)):
                    delta = (d[pv][y] + d[y][nv] - d[pv][v] - d[v][nv]
                             + d[py][v] + d[v][ny] - d[py][y] - d[y][ny])
                    if delta < -_EPS:
                        ra, rb = self.routes[A], self.routes[B]
                        ia, ib = self.pos[v], self.pos[y]
                        ra[ia], rb[ib] = y, v
                        self._index(A)
                        self._index(B)
                        changed.update((A, B))
                        break
                # 2-opt*: v then y's tail; y's head then v's tail
                if self._two_opt_star(v, y, A, B, nv, py):
                    changed.update((A, B))
                    break
        return changed

    def _two_opt_star(self, v: int, y: int, A: int, B: int, nv: int, py: int) -> bool:
        d, p = self.d, self.p
        delta = d[v][y] + d[py][nv] - d[v][nv] - d[py][y]
        if delta >= -_EPS:
            return False
        ra, rb = self.routes[A], self.routes[B]
        i, j = self.pos[v], self.pos[y]
        head_a, tail_a = ra[:i + 1], ra[i + 1:]
        head_b, tail_b = rb[:j], rb[j:]
        if len(head_a) + len(tail_b) > p.capacity[A] or len(head_b) + len(tail_a) > p.capacity[B]:
            return False
        bit_a, bit_b = 1 << A, 1 << B
        if any(not p.allowed[u] & bit_a for u in tail_b) or any(not p.allowed[u] & bit_b for u in tail_a):
            return False
        new_a, new_b = head_a + tail_b, head_b + tail_a
        grp = p.group
        for new in (new_a, new_b):
            gs = [grp[u] for u in new if grp[u] >= 0]
            if len(gs) != len(set(gs)):
                return False
        self.routes[A], self.routes[B] = new_a, new_b
        self._index(A)
        self._index(B)
        return True

    def _best_insertion(self, v: int, route: list[int], skip: int) -> tuple[float, int]:
        """Cheapest place for v in `route` with `skip` taken out: (cost, index in the route
        without `skip`)."""
        d = self.d
        best, at = math.inf, 0
        prev = 0
        i = 0
        for u in route:
            if u == skip:
                continue
            c = d[prev][v] + d[v][u] - d[prev][u]
            if c < best:
                best, at = c, i
            prev = u
            i += 1
        c = d[prev][v] + d[v][0] - d[prev][0]
        if c < best:
            best, at = c, i
        return best, at

    def swap_star_pass(self) -> set[int]:
        """Exchange two visits of different days, each going to its best place in the other day
        (not just the other's place): what moves visits between full days."""
        p, d = self.p, self.d
        movable = [v for v in range(1, p.n_nodes)
                   if self.route_of[v] >= 0 and p.allowed[v] & (p.allowed[v] - 1)]
        if len(movable) <= _SWAP_STAR_ALL_PAIRS:
            pairs = [(x, y) for i, x in enumerate(movable) for y in movable[i + 1:]]
        else:  # many free visits: only near ones, as the other moves between days do
            can_move = set(movable)
            pairs = [(x, y) for x in movable for y in self.near[x] if y > x and y in can_move]
        for x, y in pairs:
            A, B = self.route_of[x], self.route_of[y]
            if A == B or not (p.allowed[x] >> B) & 1 or not (p.allowed[y] >> A) & 1:
                continue
            if not (self._group_ok(x, B, ignore=y) and self._group_ok(y, A, ignore=x)):
                continue
            px, nx, py, ny = self._prev(x), self._next(x), self._prev(y), self._next(y)
            gain = (d[px][x] + d[x][nx] - d[px][nx]) + (d[py][y] + d[y][ny] - d[py][ny])
            cy, at_y = self._best_insertion(y, self.routes[A], x)
            if cy - gain > -_EPS:  # insertion costs are >= 0 (triangle inequality)
                continue
            cx, at_x = self._best_insertion(x, self.routes[B], y)
            if cx + cy - gain < -_EPS:
                ra = [u for u in self.routes[A] if u != x]
                rb = [u for u in self.routes[B] if u != y]
                ra.insert(at_y, y)
                rb.insert(at_x, x)
                self.routes[A], self.routes[B] = ra, rb
                self._index(A)
                self._index(B)
                return {A, B}
        return set()

    def local_search(self, days: set[int] | None = None) -> None:
        todo = set(range(self.p.n_days)) if days is None else set(days)
        while True:
            for day in sorted(todo):
                self.intra(day)
            todo = self.inter_pass() or self.swap_star_pass()
            if not todo:
                break

    # -- ruin and recreate
    def ruin_recreate(self, rng: random.Random) -> bool:
        n = self.p.n_nodes
        if n <= 3:
            return False
        movable = self.movable
        # Visits tied to their day only move within it; start ruins at free ones half the time.
        seed = (movable[rng.randrange(len(movable))] if movable and rng.random() < 0.5
                else rng.randrange(1, n))
        size = rng.randint(3, max(3, min(15, (n - 1) // 6)))
        removed = [seed, *self.near[seed][: size - 1]]
        touched = {self.route_of[v] for v in removed}
        for v in removed:
            day = self.route_of[v]
            self.routes[day].remove(v)
        for day in touched:
            self._index(day)
        mode = rng.randrange(3)
        if mode == 0:
            rng.shuffle(removed)
        elif mode == 1:
            removed.sort(key=lambda v: -self.d[0][v])
        else:
            removed.sort(key=lambda v: self.d[0][v])
        left = self.insert_cheapest(removed)
        if left:
            return False
        touched |= {self.route_of[v] for v in removed}
        self.local_search(touched)
        return True


def _fixed_and_free(p: RoutingProblem) -> tuple[list[list[int]], list[int]]:
    routes: list[list[int]] = [[] for _ in range(p.n_days)]
    free = []
    for v in range(1, p.n_nodes):
        mask = p.allowed[v]
        if mask and mask & (mask - 1) == 0:  # exactly one day allowed
            routes[mask.bit_length() - 1].append(v)
        else:
            free.append(v)
    return routes, free


def _nearest_neighbour(d: list[list[float]], nodes: list[int]) -> list[int]:
    left = set(nodes)
    tour = []
    cur = 0
    while left:
        nxt = min(left, key=lambda u: (d[cur][u], u))
        tour.append(nxt)
        left.remove(nxt)
        cur = nxt
    return tour


def solve_heuristic(problem: RoutingProblem, *, rounds: int | None = None,
                    seed: int = 20261130) -> list[list[int]]:
    """Tours per day (lists of visit nodes). Deterministic for a given problem and seed.

    Raises Infeasible when some visits fit on no allowed day.
    """
    p = problem
    if p.n_nodes <= 1:
        return [[] for _ in range(p.n_days)]
    for v in range(1, p.n_nodes):
        if not p.allowed[v] & ((1 << p.n_days) - 1):
            raise Infeasible([v])
    fixed, free = _fixed_and_free(p)
    for day, nodes in enumerate(fixed):
        if len(nodes) > p.capacity[day]:
            raise Infeasible(nodes[p.capacity[day]:])
    base = [_nearest_neighbour(p.dist, nodes) for nodes in fixed]

    candidates = []
    # Mostly free visits: sweep from a few start angles; otherwise cheapest insertion far-first.
    if p.xy is not None and len(free) > (p.n_nodes - 1) // 2:
        starts = sorted({(len(free) * k) // 6 for k in range(6)})
    else:
        starts = [None]
    near = _neighbours(p.dist, _NEIGHBOURS)
    for start in starts:
        s = _Search(p, near)
        s.set_routes(base)
        if start is None:
            left = s.insert_cheapest(sorted(free, key=lambda v: (-p.dist[0][v], v)))
        else:
            left = s.sweep(free, start)
        left = s.repair(left)
        if left:
            raise Infeasible(left)
        s.local_search()
        candidates.append((s.cost(), s))
    best_cost, search = min(candidates, key=lambda c: c[0])

    rng = random.Random(seed)
    n_rounds = DEFAULT_ROUNDS if rounds is None else rounds
    best_routes = [list(r) for r in search.routes]
    current = best_cost
    for _ in range(n_rounds):
        saved = [list(r) for r in search.routes]
        ok = search.ruin_recreate(rng)
        new = search.cost() if ok else math.inf
        if new < current - _EPS:
            current = new
            if new < best_cost - _EPS:
                best_cost = new
                best_routes = [list(r) for r in search.routes]
        else:
            search.set_routes(saved)
    return best_routes


# --- OR-Tools ----------------------------------------------------------------------------------

def solve_ortools(problem: RoutingProblem, seconds: float,
                  initial: list[list[int]] | None = None) -> list[list[int]]:
    """OR-Tools' routing solver with guided local search for `seconds`, distances as a transit
    matrix in whole metres. Starts from `initial` tours when given, else from its own first
    solution (trying a few construction strategies: with tight capacity and day restrictions
    some dead-end). Returns `initial` when it finds nothing better; raises Infeasible when it
    finds nothing at all."""
    from ortools.constraint_solver import routing_enums_pb2

    p = problem
    if p.n_nodes <= 1 or p.n_days == 0:
        return [[] for _ in range(p.n_days)]
    first = routing_enums_pb2.FirstSolutionStrategy
    strategies = [first.PATH_CHEAPEST_ARC, first.PARALLEL_CHEAPEST_INSERTION,
                  first.LOCAL_CHEAPEST_INSERTION, first.SAVINGS, first.CHRISTOFIDES]
    if initial is not None:
        strategies = strategies[:1]
    for strategy in strategies:
        routes = _ortools_once(p, seconds, strategy, initial)
        if routes is not None:
            break
    else:
        if initial is not None:
            return [list(r) for r in initial]
        raise Infeasible(list(range(1, p.n_nodes)))
    if initial is not None and total_km(p.dist, initial) <= total_km(p.dist, routes):
        return [list(r) for r in initial]
    return routes


def _ortools_once(p: RoutingProblem, seconds: float, strategy: int,
                  initial: list[list[int]] | None) -> list[list[int]] | None:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n, days = p.n_nodes, p.n_days
    manager = pywrapcp.RoutingIndexManager(n, days, 0)
    routing = pywrapcp.RoutingModel(manager)
    metres = [[int(round(x * 1000)) for x in row] for row in p.dist]
    transit = routing.RegisterTransitMatrix(metres)
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    demand = routing.RegisterUnaryTransitVector([0] + [1] * (n - 1))
    routing.AddDimensionWithVehicleCapacity(demand, 0, list(p.capacity), True, "visits")
    full = (1 << days) - 1
    solver = routing.solver()
    groups: dict[int, list[int]] = {}
    for v in range(1, n):
        mask = p.allowed[v] & full
        if mask != full:
            routing.VehicleVar(manager.NodeToIndex(v)).SetValues(
                [d for d in range(days) if (mask >> d) & 1])
        if p.group[v] >= 0:
            groups.setdefault(p.group[v], []).append(v)
    for members in groups.values():
        for a in range(len(members)):
            for b in range(a + 1, len(members)):
                solver.Add(routing.VehicleVar(manager.NodeToIndex(members[a]))
                           != routing.VehicleVar(manager.NodeToIndex(members[b])))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = strategy
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
    params.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
    if initial is not None:
        routing.CloseModelWithParameters(params)
        start = routing.ReadAssignmentFromRoutes(initial, True)
        solution = routing.SolveFromAssignmentWithParameters(start, params)
    else:
        solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    routes = []
    for day in range(days):
        index = solution.Value(routing.NextVar(routing.Start(day)))
        tour = []
        while not routing.IsEnd(index):
            tour.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        routes.append(tour)
    return routes
