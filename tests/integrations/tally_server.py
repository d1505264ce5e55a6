"""A local TallyPrime XML server: ledger export and voucher import, with LINEERRORs for
ledgers that do not exist."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import fromstring

from tests.integrations.vendors import Answer, Seen, VendorServer


class Tally(VendorServer):
    """TallyPrime's XML server: ledger export, voucher import with LINEERRORs for ledgers
    that do not exist."""

    def __init__(self) -> None:
        super().__init__()
        self.ledgers = {
            "Cash": "Cash-in-Hand",
            "Travel Expenses": "Indirect Expenses",
            "Employee Reimbursements": "Current Liabilities",
        }
        self.vouchers: list[dict[str, Any]] = []

    def handle(self, seen: Seen) -> Answer:
        envelope = fromstring(seen.body)
        request = envelope.findtext("HEADER/TALLYREQUEST")
        if request == "Export":
            ledgers = "".join(
                f'<LEDGER NAME="{name}" RESERVEDNAME=""><PARENT>{parent}</PARENT></LEDGER>'
                for name, parent in self.ledgers.items()
            )
            xml = (
                f"<ENVELOPE><HEADER><VERSION>1</VERSION><STATUS>1</STATUS></HEADER><BODY>"
                f"<DESC></DESC><DATA><COLLECTION>{ledgers}</COLLECTION></DATA></BODY>"
                f"</ENVELOPE>"
            )
            return Answer(200, xml, content_type="text/xml")
        voucher = envelope.find(".//VOUCHER")
        assert voucher is not None
        entries = [
            (e.findtext("LEDGERNAME"), e.findtext("AMOUNT"), e.findtext("ISDEEMEDPOSITIVE"))
            for e in voucher.iter("ALLLEDGERENTRIES.LIST")
        ]
        missing = [name for name, _, _ in entries if name not in self.ledgers]
        if missing:
            errors = "".join(
                f"<LINEERROR>Ledger '{m}' does not exist!</LINEERROR>" for m in missing
            )
            xml = (
                f"<RESPONSE>{errors}<CREATED>0</CREATED><ALTERED>0</ALTERED>"
                f"<LASTVCHID>0</LASTVCHID><ERRORS>1</ERRORS><EXCEPTIONS>0</EXCEPTIONS>"
                f"</RESPONSE>"
            )
            return Answer(200, xml, content_type="text/xml")
        self.vouchers.append(
            {
                "type": voucher.get("VCHTYPE"),
                "date": voucher.findtext("DATE"),
                "narration": voucher.findtext("NARRATION"),
                "entries": entries,
            }
        )
        xml = (
            f"<RESPONSE><CREATED>1</CREATED><ALTERED>0</ALTERED><DELETED>0</DELETED>"
            f"<LASTVCHID>{len(self.vouchers)}</LASTVCHID><LASTMID>0</LASTMID>"
            f"<COMBINED>0</COMBINED><IGNORED>0</IGNORED><ERRORS>0</ERRORS>"
            f"<CANCELLED>0</CANCELLED><EXCEPTIONS>0</EXCEPTIONS></RESPONSE>"
        )
        return Answer(200, xml, content_type="text/xml")
