"""Custom tables, their records and datasets: the services the API, trigger actions and
flows call."""

from core.records.bulk import (
    MAX_BULK,
    bulk_create_records,
    bulk_delete_records,
    bulk_update_records,
)
from core.records.csv_transfer import export_csv, import_csv
from core.records.datasets import (
    DatasetView,
    Reader,
    archive_dataset,
    create_dataset,
    get_dataset,
    list_datasets,
    load_dataset,
    publish_dataset,
    reader_for,
    update_dataset,
)
from core.records.permissions import PERMISSIONS_SCHEMA, PLATFORM_ROLES
from core.records.records import (
    NewRecord,
    Page,
    StoredRecord,
    count_records,
    create_record,
    delete_record,
    get_record,
    list_records,
    restore_record,
    update_record,
)
from core.records.relations import RELATIONS_SCHEMA
from core.records.schema_changes import FieldChange, SchemaImpact
from core.records.tables import (
    create_table,
    delete_table,
    get_table,
    list_tables,
    table_schema,
    update_table,
)

__all__ = [
    "MAX_BULK",
    "PERMISSIONS_SCHEMA",
    "PLATFORM_ROLES",
    "RELATIONS_SCHEMA",
    "DatasetView",
    "FieldChange",
    "NewRecord",
    "Page",
    "Reader",
    "SchemaImpact",
    "StoredRecord",
    "archive_dataset",
    "bulk_create_records",
    "bulk_delete_records",
    "bulk_update_records",
    "count_records",
    "create_dataset",
    "create_record",
    "create_table",
    "delete_record",
    "delete_table",
    "export_csv",
    "get_dataset",
    "get_record",
    "get_table",
    "import_csv",
    "list_datasets",
    "list_records",
    "list_tables",
    "load_dataset",
    "publish_dataset",
    "reader_for",
    "restore_record",
    "table_schema",
    "update_dataset",
    "update_record",
    "update_table",
]
