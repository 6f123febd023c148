from rest_framework.renderers import BaseRenderer

from metrics.tables import csv_text


class CSVRenderer(BaseRenderer):
    """``?format=csv`` on a metrics table: the same columns as the JSON ``rows``. An error
    body (``error``, ``detail``) is written as a two-column CSV so clients still read it."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> str:
        if isinstance(data, dict) and "columns" in data and "rows" in data:
            return csv_text(data["columns"], data["rows"])
        if isinstance(data, dict) and "error" in data:
            return csv_text(("error", "detail"), [data])
        return csv_text(("value",), [{"value": data}])
