"""Charts drawn with Qt's own chart module, where people would rather look than read: the score
per domain and its trend, the budget planned against actual. Every chart also gives its figures
as text: in its tooltip, in its accessible description (screen readers) and in `figures()`."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from clinicguard.core.formatting import format_date, format_money
from clinicguard.i18n import tr

ACCENT = QColor("#1f5f8b")
SECOND = QColor("#e08a2e")  # planned (orange) against actual (blue): told apart by the legend too
GRID = QColor("#dde3ea")


def _percent(value: float | None) -> str:
    return tr("n/a") if value is None else f"{value:.0f} %".replace(".", ",")


class _Chart(QChartView):
    def __init__(self, name: str, parent=None):
        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)  # never a moving picture to wait for
        chart.setBackgroundVisible(False)
        chart.setMargins(QMargins(2, 2, 2, 2))
        chart.legend().setVisible(False)
        super().__init__(chart, parent)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setAccessibleName(name)
        self.setMinimumHeight(150)
        self.setMinimumWidth(200)  # a chart shrinks with the window (1024 px) rather than widen it
        self._lines: list[str] = []

    def figures(self) -> list[str]:
        """The chart's figures, one line each, as a person would read them out."""
        return list(self._lines)

    def _show_figures(self, title: str, lines: list[str]) -> None:
        self._lines = lines
        text = "\n".join([title, *lines]) if lines else title
        self.setToolTip(text)
        self.setAccessibleDescription(text.replace("\n", "; "))

    def _reset(self) -> QChart:
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        return chart

    @staticmethod
    def _font(size: int = 8) -> QFont:
        font = QFont()
        font.setPointSize(size)
        return font


class DomainScoresChart(_Chart):
    """One horizontal bar per domain, 0 to 100 %, its value written at the end of the bar."""

    def __init__(self, parent=None):
        super().__init__(tr("Score by domain"), parent)

    def set_scores(self, scores: Sequence[tuple[str, float | None]]) -> None:
        chart = self._reset()
        bars = QBarSet(tr("Score"))
        bars.setColor(ACCENT)
        bars.setBorderColor(ACCENT)
        bars.setLabelColor(QColor("#17324d"))  # written beside the bar, on the page's background
        names = []
        for title, percent in reversed(scores):  # the first domain on top
            bars.append(0 if percent is None else round(percent))
            names.append(title)
        series = QHorizontalBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value %")
        series.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsOutsideEnd)
        chart.addSeries(series)
        names_axis = QBarCategoryAxis()
        names_axis.append(names)
        names_axis.setLabelsFont(self._font())
        values_axis = QValueAxis()
        values_axis.setRange(0, 110)  # room for "100 %" after the longest bar
        values_axis.setTickCount(3)
        values_axis.setLabelFormat("%d")
        values_axis.setVisible(False)
        chart.addAxis(names_axis, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(values_axis, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(names_axis)
        series.attachAxis(values_axis)
        self.setMinimumHeight(max(150, 34 * len(scores) + 30))
        self._show_figures(tr("Score by domain"), [f"{title} : {_percent(p)}" for title, p in scores])


class ScoreTrendChart(_Chart):
    """The overall score after each day of answers, from the journal."""

    def __init__(self, parent=None):
        super().__init__(tr("Score over time"), parent)

    def set_points(self, points: Sequence[tuple[str, float | None]]) -> None:
        chart = self._reset()
        line = QLineSeries()
        line.setPen(QPen(ACCENT, 2))
        dots = QScatterSeries()
        dots.setColor(ACCENT)
        dots.setMarkerSize(7)
        labels = []
        for n, (day, percent) in enumerate(points):
            value = 0.0 if percent is None else float(percent)
            line.append(QPointF(n, value))
            dots.append(QPointF(n, value))
            labels.append(format_date(day))
        chart.addSeries(line)
        chart.addSeries(dots)
        days_axis = QBarCategoryAxis()  # days of change, evenly spaced: a quiet month takes no room
        days_axis.append(labels or [""])
        days_axis.setLabelsFont(self._font())
        if len(labels) > 6:  # a label every few points
            days_axis.setLabelsVisible(False)
        values_axis = QValueAxis()
        values_axis.setRange(0, 100)
        values_axis.setTickCount(3)
        values_axis.setLabelFormat("%d %%")
        values_axis.setLabelsFont(self._font())
        values_axis.setGridLineColor(GRID)
        chart.addAxis(days_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(values_axis, Qt.AlignmentFlag.AlignLeft)
        for series in (line, dots):
            series.attachAxis(values_axis)
        # a line series needs a value axis on x too: the category axis only names the points
        x_axis = QValueAxis()
        x_axis.setRange(-0.5, max(len(points), 1) - 0.5)
        x_axis.setVisible(False)
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        for series in (line, dots):
            series.attachAxis(x_axis)
        lines = [f"{format_date(day)} : {_percent(p)}" for day, p in points]
        if not points:
            lines = [tr("No answer recorded yet: the trend starts with the first answers.")]
        self._show_figures(tr("Score over time"), lines)


class PlannedActualChart(_Chart):
    """Planned against actual (excl. VAT), one pair of bars per group (quarter, category)."""

    def __init__(self, name: str, parent=None):
        super().__init__(name, parent)
        self.chart().legend().setVisible(True)
        self.chart().legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self._name = name

    def set_groups(self, groups: Sequence[tuple[str, int, int]]) -> None:
        """groups: (label, planned cents, actual cents)."""
        chart = self._reset()
        planned, actual = QBarSet(tr("Planned excl. VAT")), QBarSet(tr("Actual excl. VAT"))
        planned.setColor(SECOND)
        actual.setColor(ACCENT)
        for label, plan, act in groups:
            planned.append(plan / 100)
            actual.append(act / 100)
        series = QBarSeries()
        series.append(planned)
        series.append(actual)
        chart.addSeries(series)
        names = QBarCategoryAxis()
        names.append([g[0] for g in groups] or [""])
        names.setLabelsFont(self._font())
        values = QValueAxis()
        top = max([max(g[1], g[2]) for g in groups] + [100]) / 100
        values.setRange(0, top * 1.1)
        values.setTickCount(5)
        values.applyNiceNumbers()  # 0, 1000, 2000... rather than 0, 1199, 2398
        values.setLabelFormat("%.0f")  # (printf formats take no "€": the axis title says it)
        values.setTitleText(tr("€ excl. VAT"))
        values.setTitleFont(self._font())
        values.setLabelsFont(self._font())
        values.setGridLineColor(GRID)
        chart.addAxis(names, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(names)
        series.attachAxis(values)
        self._show_figures(self._name, [tr("{group}: planned {planned}, actual {actual}", group=label,
                                           planned=format_money(plan), actual=format_money(act))
                                        for label, plan, act in groups])
