"""A campaign's contact list from a CSV file (the configuration portal's import): read and check
the file, then add its rows with campaigns.campaign_import_contacts, all or none.

Apart from contactcenter/services/campaigns.py because reading files needs the upload helpers
(uploads.py), which campaigns.py, on the routing side, should not depend on.
"""

import csv
import io
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _

from contactcenter.models import Queue, User
from contactcenter.services import campaigns, uploads, writes
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError
from contactcenter.services.policies import can_manage_queue_settings

MAX_CSV_BYTES = 2 * 1024 * 1024


def _read_csv(file: IO[bytes]) -> tuple[list[dict], list[int]]:
    """The rows of a CSV file and the line of the file each row ends on (the header is line 1)."""
    data = file.read(MAX_CSV_BYTES + 1)
    if not data.strip():
        raise DomainError(_("The file is empty."), code="file_empty")
    if len(data) > MAX_CSV_BYTES:
        raise DomainError(_("The file is larger than %(max)s. Split it into smaller files.")
                          % {"max": uploads.format_size(MAX_CSV_BYTES)}, code="file_too_large")
    if b"\x00" in data:
        raise DomainError(_("This is not a CSV file: save the list as CSV (UTF-8) and try again."),
                          code="file_type")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("The file is not UTF-8 text: save it as CSV (UTF-8) and try again."),
                          code="file_type") from None
    if text.lstrip().lower().startswith(("<", "{", "%pdf")):
        raise DomainError(_("This is not a CSV file: save the list as CSV (UTF-8) and try again."),
                          code="file_type")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    headers = {str(h).strip().lower() for h in (reader.fieldnames or [])}
    if not headers & {"phone", "telefono", "teléfono", "number", "numero", "número"}:
        raise DomainError(_("The first line must name the columns, with at least a phone column "
                            "(phone or teléfono; also name, email, notes)."), code="no_header")
    rows, lines = [], []
    try:
        for row in reader:
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DomainError(_("The file could not be read as CSV: %(error)s") % {"error": exc},
                          code="file_type") from None
    return rows, lines


def campaign_import_csv(*, by: User, queue: Queue, file: IO[bytes]) -> dict:
    """Import a CSV into a campaign: all rows or none. Returns {"created", "skipped"}; a refusal
    raises DomainError whose `rows` lists every rejected row and why."""
    writes.require(can_manage_queue_settings(by))
    writes.same_organization(by, queue)
    rows, lines = _read_csv(file)
    with transaction.atomic():
        result = campaigns.campaign_import_contacts(queue=queue, rows=rows, by=by, line_numbers=lines)
        audit(by, "campaign.import", queue=queue, **result)
    return result
