"""Report charts: drawn on the server with a title, axis labels and bars in proportion to the
numbers the table shows."""

from django.template.loader import render_to_string

from supervision import charts


def test_bars_are_in_proportion_and_the_axis_ends_on_a_round_number():
    chart = charts.bar_chart("Conversaciones por día", [("1", 10), ("2", 40), ("3", 0)], x_label="Día",
                             y_label="Conversaciones")
    tallest = max(bar.height for bar in chart.bars)
    assert [round(bar.height / tallest, 3) for bar in chart.bars] == [0.25, 1.0, 0.0]
    assert chart.ticks[-1][1] == "50"


def test_an_empty_chart_draws_no_bar_and_still_has_its_axis():
    chart = charts.bar_chart("Vacío", [], x_label="Día", y_label="Conversaciones")
    assert chart.bars == [] and len(chart.ticks) == 5


def test_stacked_segments_add_up_to_each_rows_total():
    chart = charts.stacked_chart("Tiempo por estado", [
        ("Ana", [("Listo", "ready", 3600), ("En servicio", "in_service", 1800)]),
        ("Luis", [("Listo", "ready", 5400)]),
    ], x_label="Horas", y_label="Agente")
    ana, luis = chart.rows
    assert round(sum(s.width for s in ana.segments), 3) == round(sum(s.width for s in luis.segments), 3)
    assert chart.legend == [("ready", "Listo"), ("in_service", "En servicio")]


def test_the_svg_has_a_title_for_screen_readers_and_each_bar_names_its_number():
    chart = charts.bar_chart("Nivel de servicio", [("lun", 80), ("mar", 95)], x_label="Día", y_label="%",
                             fmt=lambda v: f"{v:g} %")
    html = render_to_string("supervision/reports/charts.html#bar-chart", {"chart": chart, "chart_id": "sl"})
    assert 'role="img" aria-labelledby="sl-title"' in html
    assert '<title id="sl-title">Nivel de servicio</title>' in html
    assert "<title>lun: 80 %</title>" in html and "<title>mar: 95 %</title>" in html
