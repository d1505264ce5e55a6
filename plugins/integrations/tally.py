"""TallyPrime over its XML-over-HTTP interface: export ledgers and other masters, import
vouchers (journal, payment...) with the response's counts and LINEERRORs made plain."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml.ElementTree import ParseError, fromstring

from erp.sdk import (
    ConfigField,
    IntegrationAction,
    IntegrationContext,
    IntegrationFailed,
    VendorIntegration,
    hookimpl,
    raise_for_vendor,
)

MASTER_TYPES = ("Ledger", "Group", "StockItem", "VoucherType", "CostCentre", "Unit")


def _envelope(request: str, type_: str, id_: str, company: str | None) -> tuple[Element, Element]:
    envelope = Element("ENVELOPE")
    header = SubElement(envelope, "HEADER")
    SubElement(header, "VERSION").text = "1"
    SubElement(header, "TALLYREQUEST").text = request
    SubElement(header, "TYPE").text = type_
    SubElement(header, "ID").text = id_
    body = SubElement(envelope, "BODY")
    desc = SubElement(body, "DESC")
    variables = SubElement(desc, "STATICVARIABLES")
    SubElement(variables, "SVEXPORTFORMAT").text = "$$SysName:XML"
    if company:
        SubElement(variables, "SVCURRENTCOMPANY").text = company
    return envelope, body


async def _post(context: IntegrationContext, envelope: Element, what: str) -> Element:
    response = await context.http.request(
        "POST",
        str(context.setting("url")),
        content=tostring(envelope, encoding="utf-8"),
        headers={"Content-Type": "text/xml; charset=utf-8"},
    )
    raise_for_vendor(response, what)
    try:
        return fromstring(response.content)
    except ParseError as exc:
        raise IntegrationFailed(f"{what}: Tally answered something that is not XML") from exc


async def export_masters(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    """Every master of a type (Ledger by default) with the fields asked for."""
    master = inputs.get("masterType") or "Ledger"
    fields = [f.strip() for f in (inputs.get("fields") or "NAME,PARENT").split(",") if f.strip()]
    collection = f"ERP {master} export"
    envelope, body = _envelope("Export", "Collection", collection, context.setting("company"))
    tdl = SubElement(SubElement(body.find("DESC"), "TDL"), "TDLMESSAGE")  # type: ignore[arg-type]
    spec = SubElement(tdl, "COLLECTION", NAME=collection, ISMODIFY="No")
    SubElement(spec, "TYPE").text = master
    SubElement(spec, "FETCH").text = ",".join(fields)
    answer = await _post(context, envelope, f"export {master} masters")
    items = []
    for node in answer.iter(master.upper()):
        item = {"name": node.get("NAME") or (node.findtext("NAME") or "")}
        for field in fields:
            if field.upper() != "NAME":
                item[field.lower()] = (node.findtext(field.upper()) or "").strip()
        items.append(item)
    return {"masterType": master, "count": len(items), "items": items}


def _amount(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise IntegrationFailed(f"{value!r} is not an amount", retryable=False) from None


async def import_voucher(context: IntegrationContext, inputs: dict[str, Any]) -> dict[str, Any]:
    """One voucher: `entries` are {"ledger", "amount"}; a positive amount is a debit. The
    debits and credits must balance, as Tally requires."""
    kind = inputs.get("voucherType") or "Journal"
    entries = inputs["entries"]
    if not isinstance(entries, list) or len(entries) < 2:
        raise IntegrationFailed("a voucher needs at least two ledger entries", retryable=False)
    if sum((_amount(e.get("amount")) for e in entries), Decimal(0)) != 0:
        raise IntegrationFailed("the voucher's debits and credits do not balance", retryable=False)
    envelope, body = _envelope("Import", "Data", "Vouchers", context.setting("company"))
    message = SubElement(SubElement(body, "DATA"), "TALLYMESSAGE")
    voucher = SubElement(message, "VOUCHER", VCHTYPE=kind, ACTION="Create")
    SubElement(voucher, "DATE").text = str(inputs["date"]).replace("-", "")[:8]
    SubElement(voucher, "VOUCHERTYPENAME").text = kind
    if inputs.get("number"):
        SubElement(voucher, "VOUCHERNUMBER").text = str(inputs["number"])
    if inputs.get("narration"):
        SubElement(voucher, "NARRATION").text = str(inputs["narration"])
    for entry in entries:
        amount = _amount(entry.get("amount"))
        line = SubElement(voucher, "ALLLEDGERENTRIES.LIST")
        SubElement(line, "LEDGERNAME").text = str(entry["ledger"])
        # Tally's sign convention: debits are "deemed positive" and written negative.
        SubElement(line, "ISDEEMEDPOSITIVE").text = "Yes" if amount > 0 else "No"
        SubElement(line, "AMOUNT").text = str(-amount)
    answer = await _post(context, envelope, f"import a {kind} voucher")
    result = import_result(answer)
    if result["errors"] or result["lineErrors"]:
        reasons = "; ".join(result["lineErrors"]) or f"{result['errors']} error(s)"
        raise IntegrationFailed(
            f"Tally refused the {kind} voucher: {reasons}", retryable=False, result=result
        )
    return result


def import_result(answer: Element) -> dict[str, Any]:
    """The counts of an import response and its LINEERRORs."""

    def count(tag: str) -> int:
        text = answer.findtext(f".//{tag}")
        return int(text) if text and text.strip().lstrip("-").isdigit() else 0

    return {
        "created": count("CREATED"),
        "altered": count("ALTERED"),
        "deleted": count("DELETED"),
        "ignored": count("IGNORED"),
        "errors": count("ERRORS"),
        "exceptions": count("EXCEPTIONS"),
        "lastVoucherId": count("LASTVCHID"),
        "lineErrors": [(e.text or "").strip() for e in answer.iter("LINEERROR")],
    }


async def check(context: IntegrationContext) -> dict[str, Any]:
    found = await export_masters(context, {"masterType": "Ledger", "fields": "NAME"})
    return {"ledgers": found["count"]}


TALLY = VendorIntegration(
    name="TALLY",
    label="TallyPrime",
    description="Export masters from and import vouchers into TallyPrime (XML over HTTP).",
    config=(
        ConfigField(
            "url",
            "Tally HTTP address",
            "url",
            required=True,
            description="e.g. http://tally-pc:9000 (TallyPrime acting as a server)",
        ),
        ConfigField("company", "Company name in Tally"),
    ),
    actions=(
        IntegrationAction(
            "export_masters",
            "Export masters",
            export_masters,
            (
                ConfigField("masterType", "Master type", "select", options=MASTER_TYPES),
                ConfigField("fields", "Fields to fetch (comma-separated)"),
            ),
        ),
        IntegrationAction(
            "import_voucher",
            "Import a voucher",
            import_voucher,
            (
                ConfigField("voucherType", "Voucher type"),
                ConfigField("date", "Date (YYYY-MM-DD)", required=True),
                ConfigField("number", "Voucher number"),
                ConfigField("narration", "Narration"),
                ConfigField("entries", "Ledger entries [{ledger, amount}]", "text", True),
            ),
        ),
    ),
    check=check,
)


@hookimpl
def erp_register_integrations() -> list[VendorIntegration]:
    return [TALLY]
