"""The monthly report's charts (matplotlib): the 13-month trend of 箱 and 金额, and the price-class
mix. SVG for HTML with text kept as text (the browser draws the Chinese labels with its own
fonts), PNG for Word.

A PNG needs a CJK font, or the Chinese labels come out as boxes. `cjk_font()` looks for one
(Noto Sans/Serif CJK, Source Han, WenQuanYi, SimHei, ...), registering font files matplotlib's
cache has not seen yet. Without one, PNG charts fall back to English labels and
`font_warning()` says, once per process, how to install a font.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import contextmanager
from functools import lru_cache

from cmgr.i18n import tr

# Family names matplotlib reports for common CJK fonts, best first.
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Noto Sans CJK JP", "Noto Serif CJK SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
    "Microsoft YaHei", "SimHei", "PingFang SC", "Hiragino Sans GB", "Heiti SC", "STHeiti",
    "SimSun", "AR PL UMing CN", "AR PL UKai CN", "Droid Sans Fallback",
)
# Words in font file names that mark a CJK font not yet in matplotlib's cache.
_CJK_FILE_HINTS = ("cjk", "wqy", "wenquanyi", "sourcehan", "simhei", "simsun", "msyh", "droidsansfallback",
                   "notosanssc", "pingfang", "uming", "ukai")
_warned = False

# Colours that print well in grey too.
BAR_COLOUR = "#4472c4"
LINE_COLOUR = "#c0504d"
CLASS_COLOURS = ("#1f3864", "#2e75b6", "#9dc3e6", "#f4b183", "#c55a11", "#a5a5a5", "#7f7f7f")


_worker = None  # the chart process (start_worker) while it serves; None: draw in this one
_worker_font: list = []  # the CJK font the chart process found, once it has said
_requests = 0  # requests posted to the chart process: each answer names its request's number


def start_worker(word_template: tuple[str, str | None] | None = None) -> None:
    """Start a process that imports matplotlib and finds the CJK font now, on the other core,
    while this one imports pandas and reads the database; the charts are then drawn there
    (draw). A thread gained nothing: imports hold the GIL, so pandas and matplotlib took
    0.84 s on two threads as on one. With `word_template` (name, user templates directory),
    the process also loads Word's modules and prepares that template
    (templates.prepare_docx), and Word reports are written there (write_in_worker): this
    process then spends its time on the figures alone. Without the process (it could not
    start or it failed) everything is done here, as before."""
    global _worker
    if _worker is not None:
        return
    import atexit
    import os
    import subprocess
    import sys
    from pathlib import Path

    package_root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ,
           "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    try:
        _worker = subprocess.Popen(
            [sys.executable, "-c", "from cmgr.render.charts import _serve; _serve()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    except OSError:
        _worker = None
        return
    atexit.register(_stop_worker)
    if word_template is not None:
        _post("prepare", word_template)


def worker_running() -> bool:
    """Whether a chart process was started and has not failed."""
    return _worker is not None


def _stop_worker() -> None:
    """The chart process holds nothing worth keeping: end it (our own child, by its handle)."""
    global _worker
    worker, _worker = _worker, None
    _worker_font.clear()  # a later process says its own font first
    if worker is None:
        return
    for stream in (worker.stdin, worker.stdout):
        try:
            stream.close()
        except OSError:
            pass
    if worker.poll() is None:
        worker.kill()
    worker.wait()


def _from_worker():
    """The chart process's next message, or None when it has gone (then it is stopped)."""
    import pickle

    try:
        return pickle.load(_worker.stdout)
    except (EOFError, OSError, pickle.UnpicklingError):
        _stop_worker()
        return None


def _post(kind: str, payload) -> int | None:
    """Write one request to the chart process: its number, or None (and the process let go)
    when it has gone."""
    import pickle

    global _requests
    if _worker is None:
        return None
    _requests += 1
    try:
        pickle.dump((kind, payload, _requests), _worker.stdin)
        _worker.stdin.flush()
    except OSError:
        _stop_worker()
        return None
    return _requests


def _serve() -> None:
    """The chart process: say which CJK font there is, then serve each request read from
    stdin, in order, each (kind, payload, number), answered (number, "ok" or "error", value):
      ("draw", [(chart name, args), ...]) -> ("ok", [bytes, ...]) or ("error", text);
      ("ahead", [(chart name, args), ...]) -> no answer: drawn and kept for a later request
        with the same arguments (a Word report's charts, drawn while its figures are computed);
      ("prepare", (template name, user templates directory)) -> no answer: Word's modules
        imported and the template prepared (templates.prepare_docx), for "write";
      ("write", (report, format, path, user templates directory)) -> ("ok", [paths]) or
        ("error", text): monthly_report_doc.write_report, run here.
    After an error the caller does the work again itself and raises it there.
    Answers are written by a thread of their own, so that this loop always goes on reading:
    a caller that has not read an answer (a chart's 100 KB: more than a pipe holds) while it
    writes its next request (a report) would otherwise wait on this process as it waits on
    the caller."""
    import pickle
    import queue
    import sys
    import threading

    into, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not break the replies
    answers: queue.SimpleQueue = queue.SimpleQueue()

    def write_answers() -> None:
        while (answer := answers.get()) is not None:
            try:
                pickle.dump(answer, out)
                out.flush()
            except OSError:  # the caller has gone
                return

    writer = threading.Thread(target=write_answers, name="cmgr-chart-answers", daemon=True)
    writer.start()
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401

    answers.put(("font", _find_cjk_font()))
    while True:
        try:
            kind, payload, number = pickle.load(into)
        except EOFError:
            answers.put(None)
            writer.join()
            return
        try:
            if kind == "ahead":
                _draw_kept(payload)
                continue
            if kind == "prepare":
                from cmgr.render import docx_print, monthly_report_doc  # noqa: F401 (for "write")
                from cmgr.render.templates import prepare_docx

                prepare_docx(*payload)
                continue
            if kind == "draw":
                reply = ("ok", _draw_kept(payload))
            else:  # "write"
                from cmgr.render.monthly_report_doc import write_report

                report, fmt, path, user_dir = payload
                reply = ("ok", write_report(report, fmt, path, user_dir=user_dir))
        except Exception as exc:  # the caller does it again itself and raises it there
            if kind in ("ahead", "prepare"):
                continue  # nothing is waiting: a later request meets the same error
            reply = ("error", repr(exc))
        answers.put((number, *reply))


_kept: dict[bytes, bytes] = {}  # the chart process's charts drawn ahead, by their request
_KEEP_CHARTS = 32  # two a report: those of the reports one process writes (PARALLEL_FROM)


def _draw_kept(request: list[tuple[str, tuple]]) -> list[bytes]:
    """Each chart of `request`, drawn now or taken from those drawn ahead with the same
    arguments (the same bytes either way: the drawing depends on its arguments alone)."""
    import pickle

    charts = []
    for name, args in request:
        key = pickle.dumps((name, args))
        if key not in _kept:
            if len(_kept) >= _KEEP_CHARTS:
                _kept.clear()
            _kept[key] = CHARTS[name](*args)
        charts.append(_kept[key])
    return charts


def draw(request: list[tuple[str, tuple]]) -> list[bytes]:
    """The charts of `request`, [(name in CHARTS, args), ...]: by the chart process when one
    is running (same code, same bytes), else here."""
    return send(request)()


def draw_ahead(request: list[tuple[str, tuple]]) -> None:
    """Have the chart process draw `request` now, without waiting, for a later request of
    the same charts (a Word report written there, write_in_worker); nothing without one."""
    _post("ahead", request)


def send(request: list[tuple[str, tuple]]) -> Callable[[], list[bytes]]:
    """Hand `request` to the chart process now; the function returned gives the charts (the
    process's answer, or drawn here when there is no process or it failed). The caller
    does other work (a Word report: its imports and template) while the process draws."""
    def here() -> list[bytes]:
        return _draw_kept(request)

    number = _post("draw", request) if cjk_font_of_worker() is not _NO_ANSWER else None
    return here if number is None else lambda: _answer(number, here)


def write_in_worker(report: dict, fmt: str, path, user_dir: str | None) -> list | None:
    """The files written by the chart process for monthly_report_doc.write_report(report,
    fmt, path), or None when there is no process or it failed (the caller writes them)."""
    number = (_post("write", (report, fmt, path, user_dir))
              if cjk_font_of_worker() is not _NO_ANSWER else None)
    return None if number is None else _answer(number, lambda: None)


def _answer(number: int, otherwise: Callable):
    """The chart process's answer to request `number`, or otherwise() when it failed or has
    gone. Answers come in the order of the requests; one to an earlier request whose answer
    nobody asked for is read past."""
    while True:
        reply = _from_worker()
        if reply is None or reply[0] > number:
            return otherwise()
        if reply[0] == number:
            return reply[2] if reply[1] == "ok" else otherwise()


_NO_ANSWER = object()


def cjk_font_of_worker():
    """The font the chart process found, or _NO_ANSWER when there is none (or it failed)."""
    if not _worker_font:
        if _worker is None:
            return _NO_ANSWER
        message = _from_worker()
        if message is None or message[0] != "font":
            _stop_worker()
            return _NO_ANSWER
        _worker_font.append(message[1])
    return _worker_font[0]


def cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use, or None."""
    font = cjk_font_of_worker()
    return _find_cjk_font() if font is _NO_ANSWER else font


@lru_cache(maxsize=1)
def _find_cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    # Fonts installed after matplotlib built its cache: look at the files and register them.
    found = []
    for path in font_manager.findSystemFonts():
        lower = path.lower().replace("-", "").replace("_", "")
        if any(hint in lower for hint in _CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
                found.append(font_manager.FontProperties(fname=path).get_name())
            except (OSError, RuntimeError, ValueError):
                continue
    for family in CJK_FAMILIES:
        if family in found:
            return family
    return sorted(found)[0] if found else None


def font_warning() -> str | None:
    """The install hint, the first time it is asked for in this process without a CJK font."""
    global _warned
    if cjk_font() is not None or _warned:
        return None
    _warned = True
    return install_hint()


def install_hint() -> str:
    """What to do without a CJK font, in the user's language."""
    return tr("未找到中文字体，Word 报告中的图表改用英文标注。安装一种中文字体即可，"
              "例如 Debian/Ubuntu：sudo apt-get install fonts-noto-cjk（或 fonts-wqy-microhei）；"
              "Windows 和 macOS 自带的中文字体会被自动找到。")


def _figure(size: tuple[float, float], right: float, bottom: float = 0.11):
    """A figure and its axes on the Agg canvas, without pyplot (its import and its figure
    manager cost a quarter of a second the report has not got). Fixed margins, measured for
    these two charts: a layout engine or bbox_inches="tight" draws each chart twice (half of
    the one-manager report's chart time)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.075, right=right, bottom=bottom, top=0.88)
    return fig, fig.add_subplot()


def _setup(fmt: str) -> tuple[dict, bool]:
    """rc settings for the format, and whether Chinese labels can be used."""
    font = cjk_font()
    rc = {"svg.fonttype": "none", "axes.unicode_minus": False, "font.size": 9,
          "svg.hashsalt": "cmgr"}  # deterministic SVG ids
    if font:
        rc["font.family"] = "sans-serif"
        rc["font.sans-serif"] = [font, "DejaVu Sans"]
    else:
        # SVG keeps text as text, so the reader's fonts draw it: ask for common CJK fonts.
        rc["font.sans-serif"] = ["DejaVu Sans"] if fmt == "png" else [
            "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "WenQuanYi Micro Hei",
            "SimHei", "DejaVu Sans"]
    chinese = font is not None or fmt == "svg"
    return rc, chinese


@contextmanager
def _quiet_fonts():
    """No per-glyph "Glyph ... missing" warnings and no "findfont" log lines while drawing:
    without a CJK font the one install hint (font_warning) says it all."""
    import logging
    import warnings

    logger = logging.getLogger("matplotlib.font_manager")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing", category=UserWarning)
            warnings.filterwarnings("ignore", message=r".*findfont", category=UserWarning)
            yield
    finally:
        logger.setLevel(level)


def _save(fig, fmt: str) -> bytes:
    buf = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    # PNG at zlib level 1: a third of the encoding time of the default 6 for 6% more bytes
    # (60 KB a chart).
    extra = {"pil_kwargs": {"compress_level": 1}} if fmt == "png" else {}
    with _quiet_fonts():
        fig.savefig(buf, format=fmt, dpi=150, metadata=metadata, **extra)
    return buf.getvalue()


def _month_label(month: str) -> str:
    return f"{month[2:4]}-{month[5:7]}"


def trend_chart(trend: list[dict], fmt: str = "svg") -> bytes:
    """Bars of 箱 and a line of 金额 (万元) for each month of `trend` (missing months blank)."""
    import matplotlib

    rc, chinese = _setup(fmt)
    with matplotlib.rc_context(rc), _quiet_fonts():
        # room below for the legend under the plot
        fig, ax = _figure((7.2, 3.0), right=0.925, bottom=0.2)
        labels = [_month_label(t["month"]) for t in trend]
        cases = [t["cases"] if t["cases"] is not None else 0 for t in trend]
        amounts = [t["amount"] / 10000 if t["amount"] is not None else float("nan") for t in trend]
        x = list(range(len(trend)))
        bars = ax.bar(x, cases, color=BAR_COLOUR, width=0.6, label="销量（箱）" if chinese else "cases")
        ax.set_ylabel("箱" if chinese else "cases")
        ax.set_xticks(x, labels)
        ax.spines[["top"]].set_visible(False)
        for rect, value in zip(bars, cases, strict=True):
            if value:
                ax.annotate(f"{value:,.0f}", (rect.get_x() + rect.get_width() / 2, value),
                            ha="center", va="bottom", fontsize=6.5, xytext=(0, 1),
                            textcoords="offset points")
        ax2 = ax.twinx()
        ax2.plot(x, amounts, color=LINE_COLOUR, marker="o", markersize=3,
                 label="金额（万元）" if chinese else "amount (10k yuan)")
        ax2.set_ylabel("万元" if chinese else "10k yuan")
        ax2.set_ylim(bottom=0)
        ax2.spines[["top"]].set_visible(False)
        handles = [bars, ax2.get_lines()[0]]
        # Below the plot: inside it, the legend sat on the bars and the line.
        ax.legend(handles, [h.get_label() for h in handles], loc="upper center",
                  bbox_to_anchor=(0.5, -0.1), fontsize=7, frameon=False, ncols=2)
        ax.set_ylim(0, max(cases + [1]) * 1.18)
        ax.set_title("近13个月销量与金额" if chinese else "Cases and amount, last 13 months",
                     fontsize=10)
        return _save(fig, fmt)


def mix_chart(price_mix: list[dict], classes: list[str], fmt: str = "svg") -> bytes:
    """100% stacked bars: each price class's share of 条 per month."""
    import matplotlib

    rc, chinese = _setup(fmt)
    with matplotlib.rc_context(rc), _quiet_fonts():
        fig, ax = _figure((7.2, 3.0), right=0.89)
        x = list(range(len(price_mix)))
        bottom = [0.0] * len(price_mix)
        for i, name in enumerate(classes):
            values = [(m["shares"].get(name) or 0.0) for m in price_mix]
            if not any(values):
                continue
            label = name if chinese else f"class {i + 1}" if i < 5 else "n/a"
            ax.bar(x, values, bottom=bottom, color=CLASS_COLOURS[i % len(CLASS_COLOURS)],
                   width=0.6, label=label)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_xticks(x, [_month_label(m["month"]) for m in price_mix])
        ax.set_ylim(0, 100)
        ax.set_ylabel("占销量 %" if chinese else "% of cartons")
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, frameon=False)
        ax.set_title("价类结构（按条）" if chinese else "Price-class mix (cartons)", fontsize=10)
        return _save(fig, fmt)


CHARTS = {"trend": trend_chart, "mix": mix_chart}
