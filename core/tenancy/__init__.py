"""Tenancy: every query of a tenant's session is confined to that tenant's rows."""

from core.tenancy.acting import CompanyRequired, company_of, scope
from core.tenancy.scoping import COMPANY_KEY, install_tenant_scoping, outside_company, tenant_of

__all__ = [
    "COMPANY_KEY",
    "CompanyRequired",
    "company_of",
    "install_tenant_scoping",
    "outside_company",
    "scope",
    "tenant_of",
]
