"""Google Sheets (API v4): append rows, read a range, update cells, find a row by a column's
value; the `new_rows` source picks up rows added below the last synced one."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from erp.sdk import (
    ConfigField,
    HttpResponse,
    IntegrationAction,
    IntegrationContext,
    IntegrationSource,
    VendorIntegration,
    hookimpl,
    raise_for_vendor,
    source_item,
)
from plugins.integrations.google import CONFIG, google_credentials, google_error

API = "https://sheets.googleapis.com"
SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)


def _values_url(context: IntegrationContext, spreadsheet: str | None, range_: str) -> str:
    base = context.setting("apiBaseUrl", API).rstrip("/")
    sheet = spreadsheet or context.setting("spreadsheetId")
    return f"{base}/v4/spreadsheets/{quote(str(sheet), safe='')}/values/{quote(range_, safe='')}"


def _answer(response: HttpResponse, what: str) -> Any:
    body = _json(response)
    raise_for_vendor(response, what, google_error(body))
    return body


def _json(response: HttpResponse) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _rows(value: Any) -> list[list[Any]]:
    """Rows as Sheets wants them: a list of lists; one flat list is one row."""
    if isinstance(value, list) and value and not isinstance(value[0], list):
        return [value]
    if isinstance(value, list):
        return value
    return [[value]]


async def append_rows(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    range_ = inputs.get("range") or "Sheet1"
    response = await context.http.request(
        "POST",
        _values_url(context, inputs.get("spreadsheetId"), range_) + ":append",
        params={"valueInputOption": "USER_ENTERED", "insertDataOption": "INSERT_ROWS"},
        json={"range": range_, "majorDimension": "ROWS", "values": _rows(inputs["rows"])},
    )
    body = _answer(response, "append rows")
    updates = body.get("updates", {})
    return {
        "updatedRange": updates.get("updatedRange"),
        "updatedRows": updates.get("updatedRows", 0),
        "tableRange": body.get("tableRange"),
    }


async def read_range(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    response = await context.http.request(
        "GET", _values_url(context, inputs.get("spreadsheetId"), inputs["range"])
    )
    body = _answer(response, "read range")
    return {"range": body.get("range"), "values": body.get("values", [])}


async def update_cells(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    range_ = inputs["range"]
    response = await context.http.request(
        "PUT",
        _values_url(context, inputs.get("spreadsheetId"), range_),
        params={"valueInputOption": "USER_ENTERED"},
        json={"range": range_, "majorDimension": "ROWS", "values": _rows(inputs["values"])},
    )
    body = _answer(response, "update cells")
    return {"updatedRange": body.get("updatedRange"), "updatedCells": body.get("updatedCells", 0)}


async def find_row(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    """The first row whose `column` (a header name or a 0-based index) equals `value`; the
    first row of the range is the header."""
    read = await read_range(context, {k: inputs.get(k) for k in ("spreadsheetId", "range")})
    values: list[list[Any]] = read["values"]
    if not values:
        return {"found": False}
    header = [str(h) for h in values[0]]
    column = inputs["column"]
    index = header.index(column) if column in header else int(column)
    for number, row in enumerate(values[1:], start=2):
        if index < len(row) and str(row[index]) == str(inputs["value"]):
            return {"found": True, "rowNumber": number, "row": dict(zip(header, row, strict=False))}
    return {"found": False}


async def new_rows(context: IntegrationContext, config: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows below the synced row count; each row's number is its key, so a row is handed
    over once even if the sheet is read again."""
    range_ = config.get("range") or "Sheet1"
    read = await read_range(
        context, {"spreadsheetId": config.get("spreadsheetId"), "range": range_}
    )
    values: list[list[Any]] = read["values"]
    seen = int(context.cursor.get("rowCount", 1 if config.get("hasHeader", True) else 0))
    header = [str(h) for h in values[0]] if values and config.get("hasHeader", True) else []
    items = []
    for number in range(seen + 1, len(values) + 1):
        row = values[number - 1]
        data = dict(zip(header, row, strict=False)) if header else {"values": row}
        items.append(
            source_item(f"row:{number}", {"rowCount": number}, {"rowNumber": number, **data})
        )
    return items


async def check(context: IntegrationContext) -> dict[str, Any]:
    base = context.setting("apiBaseUrl", API).rstrip("/")
    sheet = context.setting("spreadsheetId")
    response = await context.http.request(
        "GET",
        f"{base}/v4/spreadsheets/{quote(str(sheet), safe='')}",
        params={"fields": "spreadsheetId,properties.title"},
    )
    body = _answer(response, "open the spreadsheet")
    return {"title": body.get("properties", {}).get("title")}


SPREADSHEET = ConfigField("spreadsheetId", "Spreadsheet ID (default: the integration's)")
RANGE = ConfigField("range", "Range in A1 notation", description="e.g. Expenses!A:F")

SHEETS = VendorIntegration(
    name="GOOGLE_SHEETS",
    label="Google Sheets",
    description="Append, read and update rows of a Google spreadsheet.",
    config=(*CONFIG, ConfigField("spreadsheetId", "Spreadsheet ID", required=True)),
    actions=(
        IntegrationAction(
            "append_rows",
            "Append rows",
            append_rows,
            (SPREADSHEET, RANGE, ConfigField("rows", "Rows (list of lists)", "text", True)),
        ),
        IntegrationAction(
            "read_range",
            "Read a range",
            read_range,
            (SPREADSHEET, ConfigField("range", "Range", required=True)),
        ),
        IntegrationAction(
            "update_cells",
            "Update cells",
            update_cells,
            (
                SPREADSHEET,
                ConfigField("range", "Range", required=True),
                ConfigField("values", "Values (list of lists)", "text", True),
            ),
        ),
        IntegrationAction(
            "find_row",
            "Find a row by a column's value",
            find_row,
            (
                SPREADSHEET,
                ConfigField("range", "Range", required=True),
                ConfigField("column", "Column header or index", required=True),
                ConfigField("value", "Value", required=True),
            ),
        ),
    ),
    sources=(
        IntegrationSource(
            "new_rows",
            "New rows",
            fetch=new_rows,
            config=(
                SPREADSHEET,
                RANGE,
                ConfigField("hasHeader", "First row is a header", "boolean", default=True),
            ),
        ),
    ),
    credentials=google_credentials(SCOPES),
    check=check,
)


@hookimpl
def erp_register_integrations() -> list[VendorIntegration]:
    return [SHEETS]
