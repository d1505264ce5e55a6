"""Routes of datasets: builders write them; readers see the published ones their roles and
departments may read."""

from __future__ import annotations

from litestar import Router, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from api.deps import DB, Actor
from api.guards import requires
from api.pagination import Limit, Offset, PageOut, page
from api.records.schemas import DatasetCreate, DatasetOut, DatasetUpdate, changes_of, dataset_out
from core import records
from core.access import Principal
from core.models import DatasetStatus
from core.records import use_cases
from core.tenancy import company_of

TAGS = ["datasets"]


async def _reader(db: DB, principal: Principal) -> records.Reader:
    return await records.reader_for(
        db, company_id=company_of(principal), user_id=principal.user_id, role=principal.role
    )


@get("/datasets", guards=[requires("datasets.read")], summary="Datasets you may read")
async def list_datasets(
    db: DB,
    principal: Actor,
    limit: Limit = 50,
    offset: Offset = 0,
    status: FromQuery[DatasetStatus | None] = None,
) -> PageOut[DatasetOut]:
    found = await records.list_datasets(
        db, company_id=company_of(principal), reader=await _reader(db, principal), status=status
    )
    return page(found, limit, offset, dataset_out)


@post("/datasets", guards=[requires("datasets.write")], summary="Create a draft dataset")
async def create_dataset(db: DB, principal: Actor, data: JSONBody[DatasetCreate]) -> DatasetOut:
    row = await use_cases.create_dataset(
        db,
        principal,
        name=data.name,
        sections=data.sections,
        description=data.description,
        category=data.category,
        visibility=data.visibility,
    )
    return dataset_out(row)


@get(
    "/datasets/{dataset:str}",
    guards=[requires("datasets.read")],
    summary="Read a dataset as released to your company (the version it sees, else its row)",
)
async def get_dataset(db: DB, principal: Actor, dataset: FromPath[str]) -> DatasetOut:
    row = await records.get_dataset(
        db,
        company_id=company_of(principal),
        dataset_id=dataset,
        reader=await _reader(db, principal),
    )
    return dataset_out(row)


@patch(
    "/datasets/{dataset:str}",
    guards=[requires("datasets.write")],
    summary="Change a dataset",
)
async def update_dataset(
    db: DB, principal: Actor, dataset: FromPath[str], data: JSONBody[DatasetUpdate]
) -> DatasetOut:
    row = await use_cases.update_dataset(
        db, principal, dataset_id=dataset, changes=changes_of(data)
    )
    return dataset_out(row)


@post(
    "/datasets/{dataset:str}/publish",
    guards=[requires("datasets.write")],
    status_code=200,
    summary="Publish a dataset",
)
async def publish_dataset(db: DB, principal: Actor, dataset: FromPath[str]) -> DatasetOut:
    return dataset_out(await use_cases.publish_dataset(db, principal, dataset_id=dataset))


@post(
    "/datasets/{dataset:str}/archive",
    guards=[requires("datasets.write")],
    status_code=200,
    summary="Archive a dataset (read-only from then on)",
)
async def archive_dataset(db: DB, principal: Actor, dataset: FromPath[str]) -> DatasetOut:
    return dataset_out(await use_cases.archive_dataset(db, principal, dataset_id=dataset))


router = Router(
    path="/",
    tags=TAGS,
    route_handlers=[
        list_datasets,
        create_dataset,
        get_dataset,
        update_dataset,
        publish_dataset,
        archive_dataset,
    ],
)
