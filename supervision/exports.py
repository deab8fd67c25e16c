"""CSV downloads of the supervisor's pages (audit trail, reports): UTF-8 with a BOM so that
spreadsheets read Spanish text right, one header row, streamed row by row (a year of rows is
never built in memory)."""

import csv
from collections.abc import Iterable, Sequence

from django.http import StreamingHttpResponse

# A cell a spreadsheet would run as a formula (a contact named "=HYPERLINK(…)") is written as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """csv.writer writes each row here and gets the line back, to be streamed."""

    def write(self, value: str) -> str:
        return value


def cell(value) -> str | int | float:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow([str(name) for name in header])
        for row in rows:
            yield writer.writerow([cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
